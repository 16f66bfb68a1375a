import { randomInt } from 'node:crypto';
import type { Redis } from '@sk/storage';
import { evalScript, loadLua } from '@sk/storage';
import {
  qualificationToken,
  soldOutMessage,
  type ActivityBook,
  type Qualification,
  type RedisKeys,
  type RelayReply,
  type RelayRequest,
} from '@sk/seckill';

const QUALIFY = loadLua(new URL('../lua/qualify.lua', import.meta.url));
const RATE_SCALE = 1_000_000;
const ANNOUNCE_EVERY_MS = 1_000;

export interface QualifierOptions {
  secret: string;
  now?: () => number;
  /** The buy-rate draw: true admits the attempt. A real random draw unless a test fixes it. */
  draw?: (rate: number) => boolean;
}

/** A real random draw: `rate` 0.25 admits about one attempt in four. */
export function randomDraw(rate: number): boolean {
  return rate >= 1 || randomInt(RATE_SCALE) < Math.round(rate * RATE_SCALE);
}

/**
 * Decides one purchase attempt: activity state from memory, then one atomic Lua step that checks
 * stock and the user's count together and records the qualification.
 */
export class Qualifier {
  private readonly now: () => number;
  private readonly draw: (rate: number) => boolean;
  private readonly announced = new Map<number, { total: number; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly book: ActivityBook,
    private readonly keys: RedisKeys,
    private readonly opts: QualifierOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.draw = opts.draw ?? randomDraw;
  }

  /** The answer for a request, or `null` when its caller has given up (nothing moves then). */
  async qualify(req: RelayRequest): Promise<RelayReply | null> {
    const now = this.now();
    if (now > req.deadline) return null;
    const activity = this.book.get(req.activity_id);
    if (!activity || activity.product_id !== req.product_id) return { id: req.id, code: 1003 };
    switch (this.book.status(activity, now)) {
      case 'disabled':
        return { id: req.id, code: 1107 };
      case 'not_started':
        return { id: req.id, code: 1105 };
      case 'ended':
        return { id: req.id, code: 1106 };
      case 'sold_out':
        this.announceSoldOut(activity.activity_id, activity.total, now);
        return { id: req.id, code: 1004 };
      case 'on_sale':
        break;
    }
    const qualification: Qualification = {
      product_id: req.product_id,
      activity_id: req.activity_id,
      user_id: req.user_id,
      token_time: now,
      token: qualificationToken(this.opts.secret, {
        user_id: req.user_id,
        activity_id: req.activity_id,
        product_id: req.product_id,
        token_time: now,
        request_id: req.id,
      }),
    };
    const picked = this.draw(activity.buy_rate) ? '1' : '0';
    const [code, sold] = (await evalScript(
      this.redis,
      QUALIFY,
      [this.keys.sold(activity.activity_id), this.keys.bought(activity.activity_id), this.keys.wins(activity.activity_id)],
      [activity.total, activity.buy_limit, req.user_id, picked, JSON.stringify(qualification)],
    )) as [number, number];
    if (sold >= activity.total) {
      this.book.markSoldOut(activity.activity_id, activity.total);
      this.announceSoldOut(activity.activity_id, activity.total, now);
    }
    return code === 1002 ? { id: req.id, code, result: qualification } : { id: req.id, code };
  }

  /**
   * Tells every gateway, sk-app and sk-core, which then answer the crowd from memory: at once for
   * a new total, then at most once a second while attempts keep coming, so an instance that
   * started after the sale ended learns it too.
   */
  private announceSoldOut(activityId: number, total: number, now: number): void {
    const last = this.announced.get(activityId);
    if (last && last.total === total && now - last.at < ANNOUNCE_EVERY_MS) return;
    this.announced.set(activityId, { total, at: now });
    this.redis.publish(this.keys.soldOutChannel, soldOutMessage(activityId, total)).catch(() => {});
  }
}
