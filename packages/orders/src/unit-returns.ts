import { stockReturnedMessage, type RedisKeys } from '@sk/seckill';
import { evalScript, loadLua, type Redis } from '@sk/storage';
import type { Order } from './order.js';
import type { OrderStore } from './order-store.js';

const RELEASE = loadLua(new URL('../lua/release.lua', import.meta.url));
/** Units given back are announced together, per activity, at most this often: an expiry of thousands is a few messages. */
const ANNOUNCE_EVERY_MS = 100;
const USERS_PER_MESSAGE = 1_000;

/** What giving a unit back did: `returned` now, `absent` (already back, or never counted), `not_loaded` (try later). */
export type UnitReturn = 'returned' | 'absent' | 'not_loaded';

/**
 * Gives the units of expired and cancelled orders back to the sale. Only the call that changed
 * the order's status in MySQL should ask; even so, the Lua step moves the counts only if the
 * order still holds its unit, so a retry (after a crash between the two steps) returns it once.
 */
export class UnitReturns {
  /** activity id → the users whose units came back since the last announcement. */
  private returned = new Map<number, number[]>();
  private timer: NodeJS.Timeout | undefined;

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
    this.announce(a, order.user_id);
    return 'returned';
  }

  /** Announces what is still unannounced now (at shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const returned = this.returned;
    this.returned = new Map();
    const messages = [...returned].flatMap(([activityId, users]) =>
      Array.from({ length: Math.ceil(users.length / USERS_PER_MESSAGE) }, (_, i) =>
        stockReturnedMessage(activityId, users.slice(i * USERS_PER_MESSAGE, (i + 1) * USERS_PER_MESSAGE)),
      ),
    );
    await Promise.all(messages.map((message) => this.redis.publish(this.keys.stockReturnedChannel, message).catch(() => {})));
  }

  /** Every instance forgets the activity's sold-out and these users' buy limits (CONTRACT §4b: within 2 s). */
  private announce(activityId: number, userId: number): void {
    const users = this.returned.get(activityId);
    if (users) users.push(userId);
    else this.returned.set(activityId, [userId]);
    this.timer ??= setTimeout(() => void this.flush(), ANNOUNCE_EVERY_MS);
  }
}
