import formbody from '@fastify/formbody';
import { z } from 'zod';
import { Codes, SkError, envelope, type SkFastify } from '@sk/http';
import type { KeyRing } from '../keys.js';
import type { TokenService } from '../tokens.js';

export interface OauthRoutesOptions {
  tokens: TokenService;
  keys: KeyRing;
}

const refreshToken = z.string().min(1).max(512);

const tokenRequest = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('password'),
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
  }),
  z.object({
    grant_type: z.literal('refresh_token'),
    refresh_token: refreshToken,
  }),
]);

const revokeRequest = z.object({ refresh_token: refreshToken });

/** OAuth2 password and refresh grants (JSON or form-encoded), revocation, and the public keys. */
export async function oauthRoutes(app: SkFastify, { tokens, keys }: OauthRoutesOptions): Promise<void> {
  await app.register(formbody);

  app.post('/oauth/token', { schema: { body: tokenRequest } }, async (req, reply) => {
    const body = req.body;
    const issued =
      body.grant_type === 'password'
        ? await tokens.passwordGrant(body.username, body.password)
        : await tokens.refreshGrant(body.refresh_token);
    if (!issued) {
      throw new SkError(
        Codes.UNAUTHORIZED,
        body.grant_type === 'password' ? 'invalid username or password' : 'invalid, expired or revoked refresh token',
      );
    }
    // RFC 6749 §5.1: token responses must not be cached.
    reply.header('cache-control', 'no-store');
    return envelope(Codes.OK, {
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      user_id: issued.user.id,
      roles: issued.user.roles,
      sign_key: issued.signKey,
    });
  });

  app.post('/oauth/revoke', { schema: { body: revokeRequest } }, async (req) => {
    await tokens.revoke(req.body.refresh_token);
    return envelope(Codes.OK);
  });

  // A bare JWKS, not the envelope: it is read by JOSE libraries.
  app.get('/oauth/jwks', async () => keys.jwks());
}
