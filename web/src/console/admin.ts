import { resultOf } from '../api/http.js';
import { Session } from '../api/session.js';

/** The operator's session (its own stored key: a shopper signed in on `/` stays signed in there). */
export const session = new Session('sk.console');

/** An admin API call's `result`; Refused otherwise. */
export async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  return resultOf(await session.call<T>(method, path, body));
}
