import type { Redis } from '@sk/storage';
import type { RedisKeys } from '@sk/seckill';

/**
 * Single-use nonces across every instance. A nonce only needs remembering while its `sec_time`
 * can still pass the window check, so it expires after twice the window.
 */
export class NonceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
  ) {}

  /** True the first time `nonce` is seen for this user. */
  async claim(userId: number, nonce: string): Promise<boolean> {
    return (await this.redis.set(this.keys.nonce(userId, nonce), '1', 'PX', this.ttlMs, 'NX')) === 'OK';
  }
}
