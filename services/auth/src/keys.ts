import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet } from 'jose';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { endorse, publicKeySchema, type PublicKey } from '@sk/identity';
import { inTransaction, type Pool, type Tx } from '@sk/storage';

export const ALGORITHM = 'EdDSA';
/** The first key's id; rotated keys get fresh ones. */
const FIRST_KID = 'sk-auth-ed25519-1';
/** How often every auth instance reads the keys again, to take up a rotated one. */
export const KEY_RELOAD_MS = 2_000;
/**
 * A rotated key is published this long before any instance signs with it: more than a reload,
 * so every instance publishes it by then, and more than a verifier's 5 s between fetches, so a
 * verifier that fetched before it was published may fetch again once its first token comes.
 */
const ROTATION_LEAD_S = 10;
/** A retiring key verifies this long past its last token's expiry, for clocks that disagree. */
const RETIRE_MARGIN_S = 60;

const privateJwkSchema = publicKeySchema.omit({ kid: true }).extend({ d: z.string().min(1) });
type PrivateJwk = z.output<typeof privateJwkSchema>;
type JoseKey = Awaited<ReturnType<typeof importJWK>>;

/** One signing key of the ring, with the times it is used from and published until (epoch ms). */
export interface RingKey {
  kid: string;
  activeFrom: number;
  retireAt: number | null;
  privateKey: JoseKey;
  publicKey: JoseKey;
  publicJwk: PublicKey;
}

/** What `/oauth/jwks` serves: the published keys, and every rotation's endorsement (see @sk/identity). */
export type PublishedKeys = JSONWebKeySet & { endorsements: string[] };

/**
 * auth's Ed25519 signing keys as stored in `signing_keys`, shared by every instance: each signs
 * with the newest key already active and publishes every key not yet retired, and reads the
 * table again every KEY_RELOAD_MS (`follow`) to take up a rotation (`rotateSigningKey`).
 */
export class KeyRing {
  private keys: RingKey[] = [];
  private endorsements: string[] = [];

  private constructor(private readonly pool: Pool) {}

  /** The ring as stored, the first key created when there is none. Instances starting together race on INSERT IGNORE of one id. */
  static async open(pool: Pool): Promise<KeyRing> {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM signing_keys LIMIT 1');
    if (rows.length === 0) {
      await pool.execute('INSERT IGNORE INTO signing_keys (kid, private_jwk, active_from) VALUES (?, ?, ?)', [
        FIRST_KID,
        JSON.stringify(await newPrivateJwk()),
        new Date(),
      ]);
    }
    const ring = new KeyRing(pool);
    await ring.reload();
    return ring;
  }

  async reload(): Promise<void> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT kid, private_jwk, active_from, retire_at, endorsement FROM signing_keys ORDER BY active_from, kid',
    );
    // A key's material never changes under its id: only its times are read again.
    const imported = new Map(this.keys.map((key) => [key.kid, key]));
    const keys: RingKey[] = [];
    for (const row of rows) {
      if (row.private_jwk === null) continue;
      const kid = String(row.kid);
      const times = {
        activeFrom: (row.active_from as Date).getTime(),
        retireAt: row.retire_at === null ? null : (row.retire_at as Date).getTime(),
      };
      keys.push({ ...(imported.get(kid) ?? (await importKey(kid, String(row.private_jwk)))), ...times });
    }
    if (keys.length === 0) throw new Error('signing_keys holds no usable key');
    this.keys = keys;
    this.endorsements = rows.flatMap((row) => (row.endorsement === null ? [] : [String(row.endorsement)]));
  }

  /** Reloads every KEY_RELOAD_MS, keeping the keys it has when a reload fails; returns the stop. */
  follow(onError: (err: unknown) => void): () => void {
    const timer = setInterval(() => this.reload().catch(onError), KEY_RELOAD_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The key to sign with: the newest already active (the oldest, if a clock runs behind the rotation's). */
  signing(now = Date.now()): RingKey {
    return this.keys.findLast((k) => k.activeFrom <= now) ?? this.keys[0]!;
  }

  /** The published key `kid`, if any. */
  published(kid: string | undefined, now = Date.now()): RingKey | undefined {
    return this.keys.find((k) => k.kid === kid && isPublished(k, now));
  }

  jwks(now = Date.now()): PublishedKeys {
    const keys = this.keys.filter((k) => isPublished(k, now)).map((k) => ({ ...k.publicJwk, alg: ALGORITHM, use: 'sig' }));
    return { keys, endorsements: this.endorsements };
  }
}

async function importKey(kid: string, storedJwk: string): Promise<Omit<RingKey, 'activeFrom' | 'retireAt'>> {
  const privateJwk = privateJwkSchema.parse(JSON.parse(storedJwk));
  const { d: _secret, ...publicHalf } = privateJwk;
  return {
    kid,
    privateKey: await importJWK(privateJwk, ALGORITHM),
    publicKey: await importJWK(publicHalf, ALGORITHM),
    publicJwk: { ...publicHalf, kid },
  };
}

function isPublished(key: RingKey, now: number): boolean {
  return key.retireAt === null || key.retireAt > now;
}

export interface Rotation {
  kid: string;
  /** Epoch ms: when auth signs with the new key. */
  activeFrom: number;
  retired: { kid: string; at: number };
}

/**
 * Adds a signing key, endorsed by the newest one, which it replaces ROTATION_LEAD_S from now
 * (see KeyRing). The replaced key is published until its last token has expired and then
 * verifies nothing; the private halves of keys retired by now are wiped.
 */
export async function rotateSigningKey(pool: Pool, accessTtlS: number, now = Date.now()): Promise<Rotation> {
  return inTransaction(pool, async (tx) => {
    // Every row locked first: two rotations at once endorse one after the other, never the same key twice.
    await tx.query('SELECT kid FROM signing_keys FOR UPDATE');
    const newest = await newestKey(tx);
    const activeFromS = Math.ceil(Math.max(now, newest.activeFrom) / 1000) + ROTATION_LEAD_S;
    const retireS = activeFromS + accessTtlS + RETIRE_MARGIN_S;
    const privateJwk = await newPrivateJwk();
    const { d: _secret, ...publicHalf } = privateJwk;
    const kid = `sk-auth-ed25519-${randomBytes(6).toString('hex')}`;
    const endorsement = await endorse(newest.kid, await importJWK(newest.jwk, ALGORITHM), {
      key: { ...publicHalf, kid },
      activeFrom: activeFromS,
      endorserUntil: retireS,
    });
    await tx.query('INSERT INTO signing_keys (kid, private_jwk, active_from, endorsement) VALUES (?, ?, ?, ?)', [
      kid,
      JSON.stringify(privateJwk),
      new Date(activeFromS * 1000),
      endorsement,
    ]);
    await tx.query('UPDATE signing_keys SET retire_at = ? WHERE kid = ?', [new Date(retireS * 1000), newest.kid]);
    await tx.query('UPDATE signing_keys SET private_jwk = NULL WHERE retire_at <= ?', [new Date(now)]);
    return { kid, activeFrom: activeFromS * 1000, retired: { kid: newest.kid, at: retireS * 1000 } };
  });
}

async function newestKey(tx: Tx): Promise<{ kid: string; jwk: PrivateJwk; activeFrom: number }> {
  const [rows] = await tx.query<RowDataPacket[]>(
    'SELECT kid, private_jwk, active_from FROM signing_keys WHERE private_jwk IS NOT NULL ORDER BY active_from DESC, kid DESC LIMIT 1',
  );
  const row = rows[0];
  if (!row) throw new Error('signing_keys holds no usable key');
  return {
    kid: String(row.kid),
    jwk: privateJwkSchema.parse(JSON.parse(String(row.private_jwk))),
    activeFrom: (row.active_from as Date).getTime(),
  };
}

async function newPrivateJwk(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  return privateJwkSchema.parse(await exportJWK(privateKey));
}
