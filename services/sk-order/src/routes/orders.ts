import { Codes, envelope, type SkPlugin } from '@sk/http';
import { authenticate, type TokenVerifier } from '@sk/identity';
import { ORDER_ID_PATTERN } from '@sk/seckill';
import { z } from 'zod';
import type { OrderService } from '../order-service.js';

const orderParams = z.object({ order_id: z.string().regex(ORDER_ID_PATTERN, 'an order id (<activity_id>-<seq>)') });

/** A shopper's own orders (CONTRACT §4b): any other order is not found. */
export const orderRoutes: SkPlugin<{ orders: OrderService; verifier: TokenVerifier }> = async (app, { orders, verifier }) => {
  app.get('/orders', async (req) => envelope(Codes.OK, { result: await orders.list((await authenticate(verifier, req)).userId) }));

  app.get('/orders/:order_id', { schema: { params: orderParams } }, async (req) => {
    const { userId } = await authenticate(verifier, req);
    return envelope(Codes.OK, { result: await orders.get(userId, req.params.order_id) });
  });

  app.post('/orders/:order_id/pay', { schema: { params: orderParams } }, async (req) => {
    const { userId } = await authenticate(verifier, req);
    return envelope(Codes.OK, { result: await orders.pay(userId, req.params.order_id) });
  });

  app.post('/orders/:order_id/cancel', { schema: { params: orderParams } }, async (req) => {
    const { userId } = await authenticate(verifier, req);
    return envelope(Codes.OK, { result: await orders.cancel(userId, req.params.order_id) });
  });
};
