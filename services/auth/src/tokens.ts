import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { AUDIENCE, ISSUER } from '@sk/identity';
import { signKeyFor } from '@sk/seckill';
import type { Pool } from '@sk/storage';
import { ALGORITHM, type KeyRing } from './keys.js';
import type { User, UserStore } from './users.js';

export interface TokenSettings {
  accessTtlS: number;
  refreshTtlS: number;
  /** The server secret shoppers' request-signing keys are derived from. */
  secret: string;
}

export interface IssuedTokens {
  user: User;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  signKey: string;
}

export interface AccessClaims {
  userId: number;
  username: string;
  roles: string[];
  /** Seconds since epoch. */
  expiresAt: number;
}

const accessClaimsSchema = z.object({
  sub: z.string().regex(/^\d+$/),
  username: z.string(),
  roles: z.array(z.string()),
  exp: z.number().int(),
});

/**
 * Access tokens (short-lived EdDSA JWTs, verifiable anywhere with the public key) and refresh
 * tokens (opaque random strings, stored only as their SHA-256, rotated on each use).
 */
export class TokenService {
  constructor(
    private readonly pool: Pool,
    private readonly users: UserStore,
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
  ) {}

  /** Tokens for valid credentials; `null` otherwise. */
  async passwordGrant(username: string, password: string): Promise<IssuedTokens | null> {
    const user = await this.users.verifyCredentials(username, password);
    if (!user) return null;
    const refreshToken = newRefreshToken();
    await this.storeRefreshToken(this.pool, refreshToken, user.id, newFamily());
    return this.issue(user, refreshToken);
  }

  /**
   * Trades a live refresh token for a new pair of the same family. The old one is revoked by a
   * conditional update, so of two concurrent uses exactly one wins; the revocation and its
   * successor commit together. A token used again once rotated or revoked was copied: its whole
   * family is revoked, successors included, so the copy is worth nothing to whoever holds it.
   */
  async refreshGrant(refreshToken: string): Promise<IssuedTokens | null> {
    const usedHash = sha256(refreshToken);
    const successor = newRefreshToken();
    const userId = await this.transaction(async (conn) => {
      const [revoked] = await conn.execute<ResultSetHeader>(
        'UPDATE refresh_tokens SET revoked_at = NOW(3) WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > NOW(3)',
        [usedHash],
      );
      if (revoked.affectedRows !== 1) return null;
      const [rows] = await conn.execute<RowDataPacket[]>('SELECT user_id, family FROM refresh_tokens WHERE token_hash = ?', [usedHash]);
      const owner = Number(rows[0]?.user_id);
      await this.storeRefreshToken(conn, successor, owner, String(rows[0]?.family));
      return owner;
    });
    if (userId === null) {
      await this.revokeFamilyOfReused(usedHash);
      return null;
    }
    const user = await this.users.findById(userId);
    return user && this.issue(user, successor);
  }

  /** Revokes every live token of the family of `usedHash`, when that token was already revoked (reused). */
  private async revokeFamilyOfReused(usedHash: string): Promise<void> {
    await this.pool.execute(
      `UPDATE refresh_tokens AS member JOIN refresh_tokens AS used ON used.family = member.family
       SET member.revoked_at = NOW(3)
       WHERE used.token_hash = ? AND used.revoked_at IS NOT NULL AND member.revoked_at IS NULL`,
      [usedHash],
    );
  }

  /** Revokes a refresh token; unknown or already revoked tokens are no error. */
  async revoke(refreshToken: string): Promise<void> {
    await this.pool.execute('UPDATE refresh_tokens SET revoked_at = NOW(3) WHERE token_hash = ? AND revoked_at IS NULL', [
      sha256(refreshToken),
    ]);
  }

  /** The claims of a valid access token signed by this suite; `null` for anything else. */
  async check(accessToken: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(accessToken, ({ kid }) => this.publishedKey(kid), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [ALGORITHM],
      });
      const claims = accessClaimsSchema.safeParse(payload);
      if (!claims.success) return null;
      const { sub, username, roles, exp } = claims.data;
      return { userId: Number(sub), username, roles, expiresAt: exp };
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }

  private publishedKey(kid: string | undefined) {
    const key = this.keys.published(kid);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key.publicKey;
  }

  private async issue(user: User, refreshToken: string): Promise<IssuedTokens> {
    const now = Math.floor(Date.now() / 1000);
    const key = this.keys.signing(now * 1000);
    const accessToken = await new SignJWT({ username: user.username, roles: user.roles })
      .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.settings.accessTtlS)
      .sign(key.privateKey);
    return {
      user,
      accessToken,
      expiresIn: this.settings.accessTtlS,
      refreshToken,
      signKey: signKeyFor(this.settings.secret, user.id),
    };
  }

  // Expiry is computed by MySQL's clock, the same clock that checks it.
  private async storeRefreshToken(db: Pool | PoolConnection, refreshToken: string, userId: number, family: string): Promise<void> {
    await db.execute('INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)', [
      sha256(refreshToken),
      userId,
      family,
      this.settings.refreshTtlS,
    ]);
  }

  /** Runs `work` in a transaction: committed when it returns a value, rolled back on `null` or error. */
  private async transaction<T>(work: (conn: PoolConnection) => Promise<T | null>): Promise<T | null> {
    const conn = await this.pool.getConnection();
    try {
      await conn.beginTransaction();
      const result = await work(conn);
      if (result === null) await conn.rollback();
      else await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  }
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A sign-in's family id: 22 characters (16 random bytes). */
function newFamily(): string {
  return randomBytes(16).toString('base64url');
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
