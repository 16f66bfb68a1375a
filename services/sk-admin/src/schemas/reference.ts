import { z } from 'zod';
import { newActivitySchema, type NewActivity } from './activities.js';
import { nameSchema } from './fields.js';

/**
 * The Go reference's product body. Its `total` and `status` are not kept: stock belongs to
 * activities here, and products have no state.
 */
export const referenceProductSchema = z.object({ product_name: nameSchema });

const { name: activityName, ...activityFields } = newActivitySchema.shape;

/** The Go reference's activity body: `activity_name`, and `status` 0 (normal) or 1 (disabled). */
export const referenceActivitySchema = z
  .object({ activity_name: activityName, ...activityFields, status: z.literal([0, 1], { error: '0 (normal) or 1 (disabled)' }).default(0) })
  .transform(({ activity_name, status, ...fields }): NewActivity => ({
    ...fields,
    name: activity_name,
    status: status === 1 ? 'disabled' : 'enabled',
  }));
