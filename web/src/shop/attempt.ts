import { Unreachable } from '../api/http.js';
import { serverClock } from '../api/server-clock.js';
import type { Session } from '../api/session.js';
import type { Qualification } from '../api/types.js';
import { freshNonce, sign, type SignedFields } from './sign.js';

export type Outcome =
  | { kind: 'won'; text: string; won: Qualification }
  | { kind: 'checking'; text: string }
  | { kind: 'refused'; text: string; /** server time from which trying again is allowed (a 429's Retry-After) */ retryAt?: number };

/** Each refusal in plain words (CONTRACT §2). */
const WORDS: Record<number, string> = {
  1001: 'Busy — try again',
  1111: 'Busy — try again',
  1004: 'Sold out',
  1005: 'Not picked this time — try again',
  1006: 'Limit reached: you bought all this sale allows',
  1103: 'Signed out — sign in again',
  1105: 'Not started yet',
  1106: 'This sale has ended',
  1107: 'Paused by the shop',
  1109: 'Blacklisted: your purchases are refused',
  1110: 'Refused: the attempt could not be verified — try again',
};
const CHECKING = 'Timeout — checking…';

// An attempt's outcome is settled once its relay wait is over (seconds): until then a 404 may still
// turn into a win, so it is asked about each second for a while.
const CHECK_EVERY_MS = 1_000;
const CHECK_FOR_MS = 10_000;

/**
 * One purchase attempt: signed here with a fresh nonce and the server's time, sent once. An unknown
 * outcome (1108, or the connection lost on the way) is then asked about by its nonce.
 */
export async function attempt(
  session: Session,
  key: CryptoKey,
  userId: number,
  productId: number,
  checking: (o: Outcome) => void,
): Promise<Outcome> {
  const fields: SignedFields = { nonce: freshNonce(), product_id: productId, sec_time: Math.floor(serverClock.now()), user_id: userId };
  const body = { ...fields, sign: await sign(key, fields), source: 'web' };
  const unknown = () => {
    checking({ kind: 'checking', text: CHECKING });
    return settle(session, fields);
  };
  let answer;
  try {
    answer = await session.call<Qualification>('POST', '/sec/kill', body);
  } catch (err) {
    if (err instanceof Unreachable) return unknown();
    throw err;
  }
  const { code, result, message } = answer.body;
  if (code === 1002 && result) return won(result);
  if (code === 1108) return unknown();
  if (answer.status === 429)
    return { kind: 'refused', text: 'Too many attempts', retryAt: serverClock.now() + (answer.retryAfterS ?? 1) * 1000 };
  return { kind: 'refused', text: WORDS[code] ?? message };
}

async function settle(session: Session, { product_id, nonce }: SignedFields): Promise<Outcome> {
  const until = performance.now() + CHECK_FOR_MS;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
    try {
      const answer = await session.call<Qualification>('GET', `/sec/result?product_id=${product_id}&nonce=${nonce}`);
      if (answer.body.code === 1002 && answer.body.result) return won(answer.body.result);
      if (answer.status === 404 && performance.now() > until)
        return { kind: 'refused', text: 'Not bought: the attempt timed out — try again' };
    } catch (err) {
      // Unreachable: the gateway is coming back; the answer is still to be had.
      if (!(err instanceof Unreachable)) throw err;
    }
  }
}

function won(result: Qualification): Outcome {
  return { kind: 'won', text: 'You got one! Pay for it before the time runs out', won: result };
}
