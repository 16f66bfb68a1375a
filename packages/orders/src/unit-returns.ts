import { stockReturnedMessage, type RedisKeys } from '@sk/seckill';
import { evalScript, loadLua, type Redis } from '@sk/storage';
import type { Order } from './order.js';
import type { OrderStore } from './order-store.js';

const RELEASE = loadLua(new URL('../lua/release.lua', import.meta.url));

/** What giving a unit back did: `returned` now, `absent` (already back, or never counted), `not_loaded` (try later). */
export type UnitReturn = 'returned' | 'absent' | 'not_loaded';

/**
 * Gives the units of expired and cancelled orders back to the sale. Only the call that changed
 * the order's status in MySQL should ask; even so, the Lua step moves the counts only if the
 * order still holds its unit, so a retry (after a crash between the two steps) returns it once.
 */
export class UnitReturns {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: OrderStore,
  ) {}

  async giveBack(order: Pick<Order, 'order_id' | 'activity_id' | 'user_id'>): Promise<UnitReturn> {
    const k = this.keys;
    const a = order.activity_id;
    const moved = (await evalScript(
      this.redis,
      RELEASE,
      [k.loaded(a), k.sold(a), k.bought(a), k.wins(a), k.quals(a), k.deadlines(a)],
      [order.order_id, order.user_id],
    )) as number;
    // Being rebuilt from MySQL: the rebuild counts this order as not held; the sweep comes back.
    if (moved === -1) return 'not_loaded';
    await this.store.markReturned(order.order_id);
    if (moved === 0) return 'absent';
    await this.redis.publish(k.stockReturnedChannel, stockReturnedMessage(a, order.user_id)).catch(() => {});
    return 'returned';
  }
}
