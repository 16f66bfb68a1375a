import { Codes, envelope, type SkFastify } from '@sk/http';
import type { OrderListing } from '../order-listing.js';
import { answers } from '../schemas/envelope.js';
import { ordersPageAnswer, ordersQuerySchema } from '../schemas/orders.js';

// Straight to the listing: a page of orders is a read, with no rules of its own.
export async function orderRoutes(app: SkFastify, { listing }: { listing: OrderListing }) {
  app.get('/', { schema: { querystring: ordersQuerySchema, response: answers(200, ordersPageAnswer, [400]) } }, async (req) => {
    return envelope(Codes.OK, { result: await listing.orders(req.query) });
  });
}
