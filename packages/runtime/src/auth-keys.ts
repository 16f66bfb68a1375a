import type { Discovery } from '@sk/discovery';
import { TokenVerifier, httpJwksSource } from '@sk/identity';

/**
 * A verifier of auth's tokens whose keys come from `authUrl` alone when given, else from any auth
 * instance in discovery. Keys only ever add up (see KnownKeys in @sk/identity); a rotated key is
 * taken from the operator's `authUrl` only: from discovery, the first key set fetched is the one
 * trusted until restart, as a new key there could be anyone's who can register an instance.
 */
export function authTokenVerifier(discovery: Discovery, authUrl?: string): TokenVerifier {
  if (!authUrl) void discovery.watch('auth').catch(() => {});
  return new TokenVerifier(
    httpJwksSource(() => (authUrl ? [authUrl] : discovery.instances('auth').map((i) => `http://${i.host}:${i.port}`))),
    { acceptNewKeys: Boolean(authUrl) },
  );
}
