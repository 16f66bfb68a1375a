import { ORDER_STATUSES } from '@sk/orders';
import { z } from 'zod';
import { idTextSchema, pageQueryFields } from './fields.js';

/** `/admin/orders` and `/admin/refunds`; the refunds' query is the paging alone (`pageQuerySchema`). */

export const ordersQuerySchema = z.object({
  activity_id: idTextSchema.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  user_id: idTextSchema.optional(),
  ...pageQueryFields,
});
export type OrdersQuery = z.output<typeof ordersQuerySchema>;

const nextCursor = z.string().nullable().meta({ description: '`cursor` of the next page; null on the last one' });

const orderAnswer = z.object({
  order_id: z.string(),
  activity_id: z.number().int(),
  product_id: z.number().int(),
  user_id: z.number().int(),
  status: z.enum(ORDER_STATUSES),
  created_at: z.iso.datetime(),
  pay_by: z.iso.datetime(),
  paid_at: z.iso.datetime().nullable(),
});

export const ordersPageAnswer = z.object({ orders: z.array(orderAnswer).meta({ description: 'newest first' }), next_cursor: nextCursor });

export const refundsPageAnswer = z.object({
  refunds: z
    .array(
      z.object({
        payment_id: z.string(),
        order_id: z.string(),
        provider: z.string(),
        received_at: z.iso.datetime(),
        order: orderAnswer.nullable().meta({ description: 'null when no such order is stored' }),
      }),
    )
    .meta({ description: 'payments kept as refunds due (their order had expired, been cancelled or been paid already), newest first' }),
  next_cursor: nextCursor,
});
