import { Codes, SkError } from '@sk/http';
import type { AutoBan } from './auto-ban.js';
import type { Blacklist } from '@sk/seckill';
import { clientIpOf, type RequestOrigin } from './client-ip.js';

/** Who may attempt a purchase: neither the user nor the client IP blacklisted; attempts are counted for automatic bans. */
export class Admission {
  constructor(
    private readonly blacklist: Blacklist,
    private readonly autoBan: AutoBan | undefined,
    private readonly trustedProxies: ReadonlySet<string>,
  ) {}

  /** Throws 403/1109 for a blacklisted user or IP. */
  admit(origin: RequestOrigin, userId: number): void {
    const ip = clientIpOf(origin, this.trustedProxies);
    if (this.blacklist.blocks('user', String(userId)) || this.blacklist.blocks('ip', ip)) throw new SkError(Codes.BLACKLISTED);
    this.autoBan?.count(userId, ip);
  }
}
