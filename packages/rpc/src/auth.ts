import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
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
}

/** Auth's `CheckToken` through `client` (a client of `authServiceDefinition()`). */
export function checkTokenOver(client: RpcClient): TokenCheck {
  return async (token) => {
    const res = await client.call<CheckTokenResponse>('CheckToken', { token });
    if (!res.valid) return null;
    return { identity: { userId: res.user_id, username: res.username, roles: res.roles }, expiresAt: res.expires_at * 1000 };
  };
}
