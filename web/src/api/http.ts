import { serverClock } from './server-clock.js';
import type { Envelope } from './types.js';

/** An answer of the API: its HTTP status, envelope, and `Retry-After` (seconds) on a 429. */
export interface Answer<T> {
  status: number;
  body: Envelope<T>;
  retryAfterS: number | undefined;
}

/** No answer at all: the gateway is unreachable (restarting) or the connection broke. */
export class Unreachable extends Error {
  constructor() {
    super('the sale cannot be reached; retrying');
  }
}

/** One request to the API, on the page's own origin (the gateway). Never throws but Unreachable. */
export async function send<T>(method: string, path: string, body?: unknown, token?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    text = await res.text();
  } catch {
    throw new Unreachable();
  }
  serverClock.observe(res.headers.get('date'), performance.now());
  const retryAfter = Number(res.headers.get('retry-after'));
  return { status: res.status, body: parseEnvelope<T>(res.status, text), retryAfterS: retryAfter > 0 ? retryAfter : undefined };
}

/** A proxy or an outage page may answer without the envelope: read as a busy answer. */
function parseEnvelope<T>(status: number, text: string): Envelope<T> {
  try {
    const body = JSON.parse(text) as Envelope<T>;
    if (typeof body.code === 'number') return body;
  } catch {
    // not JSON
  }
  return { code: status >= 500 ? 1001 : -1, message: `HTTP ${status}` };
}

/** An answer that is not the success asked for; its message, and the fields a 400 refused. */
export class Refused extends Error {
  constructor(readonly answer: Answer<unknown>) {
    super(answer.body.message);
  }

  get code(): number {
    return this.answer.body.code;
  }
}

/** The answer's `result`, or Refused. */
export function resultOf<T>(answer: Answer<T>): T {
  if (answer.status >= 300 || answer.body.result === undefined) throw new Refused(answer);
  return answer.body.result;
}

/** What to tell a person about a failed call: `words` for a refusal's code, else the API's own message. */
export function problemOf(err: unknown, words: Record<number, string> = {}): string {
  if (err instanceof Refused) {
    const said = words[err.code] ?? err.message;
    return err.answer.retryAfterS ? `${said}: try again in ${err.answer.retryAfterS} s` : said;
  }
  if (err instanceof Unreachable) return 'Connection lost';
  return 'Something went wrong — try again';
}
