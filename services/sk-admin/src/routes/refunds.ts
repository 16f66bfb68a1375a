import { Codes, envelope, type SkFastify } from '@sk/http';
import { answers, refundsPageAnswer } from '../answers.js';
import type { OrderListing } from '../orders.js';
import { pageQuerySchema } from '../pages.js';

export async function refundRoutes(app: SkFastify, { listing }: { listing: OrderListing }) {
  app.get('/', { schema: { querystring: pageQuerySchema, response: answers(200, refundsPageAnswer, [400]) } }, async (req) => {
    return envelope(Codes.OK, { result: await listing.refunds(req.query) });
  });
}
