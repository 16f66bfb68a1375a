/** What a purchase attempt signs (CONTRACT §4). */
export interface SignedFields {
  nonce: string;
  product_id: number;
  sec_time: number;
  user_id: number;
}

/** The shopper's `sign_key` as an HMAC-SHA256 key (WebCrypto: only in a secure context, https or localhost). */
export function signingKey(signKey: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(signKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** hex(HMAC-SHA256(sign_key, "nonce=…&product_id=…&sec_time=…&user_id=…")) */
export async function sign(key: CryptoKey, f: SignedFields): Promise<string> {
  const message = `nonce=${f.nonce}&product_id=${f.product_id}&sec_time=${f.sec_time}&user_id=${f.user_id}`;
  return hex(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message))));
}

/** 128 random bits: a nonce no attempt of this shopper has used. */
export function freshNonce(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
