import { Codes, envelope, type SkPlugin } from '@sk/http';
import type { OrderService } from '../order-service.js';
import { SIGNATURE_HEADER } from '../payments/provider.js';

/** Providers' confirmations. No token: the provider's signature over the exact body bytes is the credential. */
export const paymentRoutes: SkPlugin<{ orders: OrderService }> = async (app, { orders }) => {
  // The body is verified as it came, so it is kept as text rather than parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/payments/notify', async (req) => {
    const signature = req.headers[SIGNATURE_HEADER];
    const body = typeof req.body === 'string' ? req.body : '';
    const settled = await orders.notify({ body, signature: typeof signature === 'string' ? signature : '' });
    return envelope(Codes.OK, { result: settled });
  });
};
