import { SignJWT, importJWK, jwtVerify, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { z } from 'zod';

/** Tokens are checked with EdDSA only, and auth signs with Ed25519: any other key could never verify one. */
export const publicKeySchema = z.object({ kid: z.string().min(1), kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });
export type PublicKey = z.output<typeof publicKeySchema>;

const ENDORSEMENT_TYPE = 'sk-key-endorsement+jwt';

const endorsementClaimsSchema = z.object({
  key: publicKeySchema,
  /** Seconds since the epoch: when auth starts signing with `key`. */
  active_from: z.number().int(),
  /** Seconds since the epoch: when every token the endorsing key signed has expired; it verifies nothing after. */
  endorser_until: z.number().int(),
});

/**
 * A key rotation as auth publishes it: the outgoing key names its successor and the time it
 * retires itself, signed with itself. Whoever trusts the outgoing key can so trust the successor,
 * and no one without the outgoing private key can add a key or retire one.
 */
export interface Endorsement {
  key: PublicKey;
  activeFrom: number;
  endorserUntil: number;
}

type SigningKey = CryptoKey | KeyObject | Uint8Array;

/** Signs `endorsement` with the outgoing key `endorserKid`: a compact JWT carried in the JWKS's `endorsements`. */
export function endorse(endorserKid: string, endorserKey: SigningKey, endorsement: Endorsement): Promise<string> {
  return new SignJWT({ key: endorsement.key, active_from: endorsement.activeFrom, endorser_until: endorsement.endorserUntil })
    .setProtectedHeader({ alg: 'EdDSA', kid: endorserKid, typ: ENDORSEMENT_TYPE })
    .sign(endorserKey);
}

/** The endorsement `jws` made by the known key `endorser`; null when it is not one (wrong signer, shape or type). */
export async function readEndorsement(jws: string, endorser: PublicKey): Promise<Endorsement | null> {
  try {
    const key = await importJWK(endorser as JWK, 'EdDSA');
    const { payload, protectedHeader } = await jwtVerify(jws, key, { algorithms: ['EdDSA'], typ: ENDORSEMENT_TYPE });
    if (protectedHeader.kid !== endorser.kid) return null;
    const claims = endorsementClaimsSchema.safeParse(payload);
    if (!claims.success) return null;
    const { key: successor, active_from: activeFrom, endorser_until: endorserUntil } = claims.data;
    return { key: successor, activeFrom, endorserUntil };
  } catch {
    return null;
  }
}
