import type { Discovery } from '@sk/discovery';
import { TokenVerifier, httpJwksSource } from '@sk/identity';

/**
 * A verifier of auth's tokens whose keys come from `authUrl` when given, else from any auth
 * instance in discovery.
 */
export function authTokenVerifier(discovery: Discovery, authUrl?: string): TokenVerifier {
  if (!authUrl) void discovery.watch('auth').catch(() => {});
  return new TokenVerifier(
    httpJwksSource(() => (authUrl ? [authUrl] : discovery.instances('auth').map((i) => `http://${i.host}:${i.port}`))),
  );
}
