import type { Discovery } from '@sk/discovery';
import { TokenVerifier, httpJwksSource } from '@sk/identity';

/**
 * A verifier of auth's tokens whose keys come from `authUrl` alone when given, else from any auth
 * instance in discovery. Either way the first key set fetched is trusted and later keys join only
 * when a known key endorsed them (see KnownKeys in @sk/identity); pinning `authUrl` also keeps
 * that first set from coming from whoever registered an instance first.
 */
export function authTokenVerifier(discovery: Discovery, authUrl?: string): TokenVerifier {
  if (!authUrl) void discovery.watch('auth').catch(() => {});
  return new TokenVerifier(
    httpJwksSource(() => (authUrl ? [authUrl] : discovery.instances('auth').map((i) => `http://${i.host}:${i.port}`))),
  );
}
