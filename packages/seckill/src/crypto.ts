import { createHmac, timingSafeEqual } from 'node:crypto';

/** The per-user key shoppers sign `/sec/kill` with; derived, so nothing per user is stored. */
export function signKeyFor(secret: string, userId: number): string {
  return createHmac('sha256', secret).update(`sign-key:${userId}`).digest('hex');
}

export interface SignedFields {
  nonce: string;
  product_id: number;
  sec_time: number;
  user_id: number;
}

export function requestSignature(signKey: string, f: SignedFields): string {
  return createHmac('sha256', signKey)
    .update(`nonce=${f.nonce}&product_id=${f.product_id}&sec_time=${f.sec_time}&user_id=${f.user_id}`)
    .digest('hex');
}

export function verifyRequestSignature(signKey: string, f: SignedFields, sign: string): boolean {
  const expected = Buffer.from(requestSignature(signKey, f), 'hex');
  const given = Buffer.from(sign, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface QualificationFields {
  user_id: number;
  activity_id: number;
  product_id: number;
  token_time: number;
  request_id: string;
}

/** HMAC-MD5 keyed by the server secret: unforgeable from the public fields alone. */
export function qualificationToken(secret: string, f: QualificationFields): string {
  return createHmac('md5', secret).update(`${f.user_id}:${f.activity_id}:${f.product_id}:${f.token_time}:${f.request_id}`).digest('hex');
}
