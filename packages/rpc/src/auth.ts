import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { KeyedMac } from '@sk/http';
import type { TokenCheck } from '@sk/identity';
import type { RpcClient } from './client.js';

// The repository's proto/ directory: three levels up from both src/ and dist/.
const PROTO_PATH = fileURLToPath(new URL('../../../proto/auth.proto', import.meta.url));

/** `sk.auth.AuthService` (proto/auth.proto), fields named as in the proto, 64-bit numbers as numbers. */
export function authServiceDefinition(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true });
  return definition['sk.auth.AuthService'] as grpc.ServiceDefinition;
}

export interface CheckTokenRequest {
  token: string;
}

export interface CheckTokenResponse {
  valid: boolean;
  user_id: number;
  username: string;
  roles: string[];
  expires_at: number;
  /** CheckAnswerSeal's MAC of this answer to this token. */
  seal: string;
}

/** An answer to CheckToken that no auth instance of this suite sealed: the caller must not believe it. */
export class UnsealedAnswerError extends Error {}

/**
 * What makes a CheckToken answer auth's: an HMAC over the token and the answer, keyed from
 * SK_SECRET. An instance that anyone registered as `auth` in discovery could otherwise answer
 * "valid, admin" to any token a gateway in AUTH_MODE=rpc asks about.
 */
export class CheckAnswerSeal {
  private readonly mac: KeyedMac;

  constructor(secret: string) {
    this.mac = new KeyedMac(secret, 'sk:auth-check-answer');
  }

  /** `answer` with its seal, for `token`. */
  seal(token: string, answer: Omit<CheckTokenResponse, 'seal'>): CheckTokenResponse {
    return { ...answer, seal: this.mac.of(sealed(token, answer)).toString('base64url') };
  }

  verify(token: string, answer: CheckTokenResponse): boolean {
    return this.mac.matches(Buffer.from(answer.seal, 'base64url'), sealed(token, answer));
  }
}

/** What an answer's seal covers: the token asked about, and every field of the answer. */
const sealed = (token: string, { valid, user_id, username, roles, expires_at }: Omit<CheckTokenResponse, 'seal'>): string =>
  JSON.stringify([token, valid, user_id, username, roles, expires_at]);

/** Auth's `CheckToken` through `client` (a client of `authServiceDefinition()`); an answer without auth's seal throws. */
export function checkTokenOver(client: RpcClient, seal: CheckAnswerSeal): TokenCheck {
  return async (token) => {
    const res = await client.call<CheckTokenResponse>('CheckToken', { token });
    if (!seal.verify(token, res)) throw new UnsealedAnswerError("CheckToken answer without auth's seal");
    if (!res.valid) return null;
    return { identity: { userId: res.user_id, username: res.username, roles: res.roles }, expiresAt: res.expires_at * 1000 };
  };
}
