import { subscribe, type Redis } from '@sk/storage';
import { z } from 'zod';
import type { ActivityBook } from './activity-book.js';

const soldOutSchema = z.object({ activity_id: z.number().int(), total: z.number().int() });

export function soldOutMessage(activityId: number, total: number): string {
  return JSON.stringify({ activity_id: activityId, total });
}

/** Feeds sold-out announcements into the book. `subscriber` must be a connection of its own. */
export async function followSoldOut(subscriber: Redis, channel: string, book: ActivityBook): Promise<void> {
  await subscribe(subscriber, channel, (message) => {
    try {
      const parsed = soldOutSchema.safeParse(JSON.parse(message));
      if (parsed.success) book.markSoldOut(parsed.data.activity_id, parsed.data.total);
    } catch {
      // not ours: ignore
    }
  });
}
