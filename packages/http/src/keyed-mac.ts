import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 under a key of one purpose, derived from the suite's secret (SK_SECRET): the
 * gateway's seal, auth's CheckToken answers and the sandbox's payment notifications each have
 * their own, so no one of them can stand for another. Checked in constant time.
 */
export class KeyedMac {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = createHmac('sha256', secret).update(purpose).digest();
  }

  of(data: string): Buffer {
    return createHmac('sha256', this.key).update(data).digest();
  }

  /** Whether `given` is the MAC of `data`. */
  matches(given: Buffer, data: string): boolean {
    const expected = this.of(data);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
