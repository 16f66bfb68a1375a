import { Codes, envelope, type SkFastify } from '@sk/http';
import type { OrderListing } from '../order-listing.js';
import { answers } from '../schemas/envelope.js';
import { pageQuerySchema } from '../schemas/fields.js';
import { refundsPageAnswer } from '../schemas/orders.js';

// Straight to the listing: a page of refunds due is a read, with no rules of its own.
export async function refundRoutes(app: SkFastify, { listing }: { listing: OrderListing }) {
  app.get('/', { schema: { querystring: pageQuerySchema, response: answers(200, refundsPageAnswer, [400]) } }, async (req) => {
    return envelope(Codes.OK, { result: await listing.refunds(req.query) });
  });
}
