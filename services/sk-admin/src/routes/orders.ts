import { Codes, envelope, type SkFastify } from '@sk/http';
import { answers, ordersPageAnswer } from '../answers.js';
import { ordersQuerySchema, type OrderListing } from '../orders.js';

export async function orderRoutes(app: SkFastify, { listing }: { listing: OrderListing }) {
  app.get('/', { schema: { querystring: ordersQuerySchema, response: answers(200, ordersPageAnswer, [400]) } }, async (req) => {
    return envelope(Codes.OK, { result: await listing.orders(req.query) });
  });
}
