import { KeyedMac } from './keyed-mac.js';

/** How far a seal's time may be from the checker's clock (either way). */
const SEAL_LIFETIME_MS = 30_000;

/**
 * What a seal covers of a request: its line and the claims the gateway makes about its client
 * (read off a request's headers by `sealedFields`, @sk/seckill, where the header names are).
 */
export interface SealedFields {
  method: string;
  url: string;
  clientIp?: string | string[] | undefined;
  userId?: string | string[] | undefined;
}

/**
 * The credential that makes the gateway the only public door: an HMAC over the request's method,
 * path and query, the client address and user the gateway vouches for, and the time, with a key
 * derived from SK_SECRET. A service behind the gateway refuses a request without a valid one
 * (403/1112), even with a valid token and signature: a shopper who reaches it directly could
 * otherwise pass the gateway's limits and claim any address.
 */
export class GatewaySeal {
  private readonly mac: KeyedMac;

  constructor(secret: string) {
    this.mac = new KeyedMac(secret, 'sk:gateway-seal');
  }

  /** The seal header's value (`GATEWAY_HEADERS.seal`, @sk/seckill) for a request sent now. */
  seal(fields: SealedFields, now = Date.now()): string {
    return `${now}.${this.mac.of(sealed(fields, now)).toString('base64url')}`;
  }

  /** True when `value` is this suite's seal of these fields, made within the last 30 s (or as far ahead). */
  verify(fields: SealedFields, value: string | string[] | undefined, now = Date.now()): boolean {
    if (typeof value !== 'string') return false;
    const dot = value.indexOf('.');
    const time = Number(value.slice(0, dot));
    if (dot < 1 || !Number.isSafeInteger(time) || Math.abs(now - time) > SEAL_LIFETIME_MS) return false;
    return this.mac.matches(Buffer.from(value.slice(dot + 1), 'base64url'), sealed(fields, time));
  }
}

/** What a seal's MAC covers: the fields, and the time it was made. */
const sealed = ({ method, url, clientIp, userId }: SealedFields, time: number): string =>
  `${method}\n${url}\n${one(clientIp)}\n${one(userId)}\n${time}`;

const one = (header: string | string[] | undefined): string => (Array.isArray(header) ? header.join(',') : (header ?? ''));
