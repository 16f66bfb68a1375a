import { z } from 'zod';
import { nameSchema } from './fields.js';

export const newProductSchema = z.object({ name: nameSchema });

export const productAnswer = z.object({ product_id: z.number().int(), name: z.string(), created_at: z.date() });
