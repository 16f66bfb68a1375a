import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet } from 'jose';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import type { Pool } from '@sk/storage';

/** One key id for the suite: every auth instance signs with the row stored under it. */
const KID = 'sk-auth-ed25519-1';
export const ALGORITHM = 'EdDSA';

const ed25519PrivateJwk = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
  d: z.string().min(1),
});

type JoseKey = Awaited<ReturnType<typeof importJWK>>;

/** The Ed25519 key access tokens are signed with, and its public half as a JWKS. */
export class SigningKey {
  constructor(
    readonly kid: string,
    readonly privateKey: JoseKey,
    readonly publicKey: JoseKey,
    private readonly publicJwk: { kty: string; crv: string; x: string },
  ) {}

  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.publicJwk, kid: this.kid, alg: ALGORITHM, use: 'sig' }] };
  }
}

/**
 * Reads the suite's signing key from `signing_keys`, creating it first when missing. Instances
 * starting together race on INSERT IGNORE and then all read back the one row that won.
 */
export async function loadSigningKey(pool: Pool): Promise<SigningKey> {
  let stored = await readPrivateJwk(pool);
  if (!stored) {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    await pool.execute('INSERT IGNORE INTO signing_keys (kid, private_jwk) VALUES (?, ?)', [KID, JSON.stringify(jwk)]);
    stored = await readPrivateJwk(pool);
    if (!stored) throw new Error(`signing key ${KID} missing right after it was inserted`);
  }
  const { d: _secret, ...publicJwk } = stored;
  return new SigningKey(KID, await importJWK(stored, ALGORITHM), await importJWK(publicJwk, ALGORITHM), publicJwk);
}

async function readPrivateJwk(pool: Pool): Promise<z.output<typeof ed25519PrivateJwk> | null> {
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT private_jwk FROM signing_keys WHERE kid = ?', [KID]);
  const row = rows[0];
  return row ? ed25519PrivateJwk.parse(JSON.parse(String(row.private_jwk))) : null;
}
