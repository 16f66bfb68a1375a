import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Redis } from '@sk/storage';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { codeInfo, type SkFastify } from '@sk/http';
import { BODY_LIMIT, type FuzzRequest } from './arbitraries.js';

/**
 * The invariants every answer of every route keeps, whatever was asked (CONTRACT §2): never a
 * 5xx with every dependency up, the JSON envelope with a contract code that fits the status, no
 * body over 16 KiB taken, and nothing stored changed by a refusal (4xx).
 */

/** `FUZZ_SEED` replays a failure (fast-check prints its seed); otherwise each file's fixed seed, the same in every run. */
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Bound on each property, well inside the 60 s a test may take. */
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 25_000);

/** What a test may take: the property's bound and its service's setup. */
export const FUZZ_TEST_TIMEOUT_MS = TIME_MS + 20_000;

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** `req` sent to `app` in-process. */
export async function inject(app: SkFastify, req: FuzzRequest): Promise<Answer> {
  const res = await app.inject({
    // Any method a client may send, not only those fastify's types list.
    method: req.method as 'GET',
    url: req.url,
    headers: req.headers,
    ...(req.body === undefined ? {} : { payload: req.body }),
    ...(req.remoteAddress === undefined ? {} : { remoteAddress: req.remoteAddress }),
  });
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
}

/** The URL a request sent by `inject` carries: parsed as a URL, so dot segments are resolved (raw bytes keep them). */
export function injectedUrl(url: string): string {
  const parsed = new URL(url.startsWith('//') ? `http://localhost${url}` : url, 'http://localhost');
  return parsed.pathname + parsed.search;
}

/** The path a request sent by `inject` reaches the service at (no query). */
export const injectedPath = (req: FuzzRequest): string => injectedUrl(req.url).split('?')[0]!;

export interface Invariants {
  send: (req: FuzzRequest) => Promise<Answer>;
  /** True for an answer that is not the envelope by design (pages, CSV, metrics, JWKS): its body is not checked here. */
  notEnvelope?: (req: FuzzRequest, answer: Answer) => boolean;
  /** The service's own checks of an answer; a string names what is wrong. */
  check?: (req: FuzzRequest, answer: Answer) => string | undefined;
  /** Routes that take bodies over 16 KiB (the bulk user import). */
  bigBody?: (req: FuzzRequest) => boolean;
  /** A fingerprint of what the service stores, for `req`; compared around each answer 4xx. */
  state?: (req: FuzzRequest) => Promise<string>;
}

const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

/** What is wrong with `answer` to `req`, if anything. */
function problemsOf(req: FuzzRequest, answer: Answer, inv: Invariants): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  // GET, HEAD and TRACE bodies are never read (fastify's bodyless methods): no limit to answer.
  const size = req.body === undefined || BODYLESS.has(req.method) ? 0 : Buffer.byteLength(req.body);
  if (size > BODY_LIMIT && answer.status < 300 && !inv.bigBody?.(req)) problems.push(`took a body of ${size} bytes`);
  const own = inv.check?.(req, answer);
  if (own) problems.push(own);
  if (req.method === 'HEAD' || inv.notEnvelope?.(req, answer)) return problems;
  const wrong = envelopeProblem(answer);
  if (wrong) problems.push(wrong);
  return problems;
}

/** What is wrong with an answer that must be the envelope: `{ code, message }`, the code fitting the status. */
export function envelopeProblem({ status, body }: { status: number; body: string }): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
  if (typeof parsed !== 'object' || Array.isArray(parsed) || !Number.isInteger(code) || typeof message !== 'string')
    return 'body is not the envelope';
  const info = codeInfo(code as number);
  if (!info) return `unknown code ${String(code)}`;
  // 1101 covers every fault of the request fastify finds (413, 415...); 0 answers 200 or 201.
  const fits =
    info.code === 1101 ? status >= 400 && status < 500 : info.code === 0 ? status === 200 || status === 201 : status === info.status;
  return fits ? undefined : `code ${info.code} with status ${status}`;
}

/** Sends `req` and throws, describing it, when an invariant breaks. */
export async function expectSound(req: FuzzRequest, inv: Invariants): Promise<Answer> {
  const before = await inv.state?.(req);
  const answer = await inv.send(req);
  const problems = problemsOf(req, answer, inv);
  if (before !== undefined && answer.status >= 400 && answer.status < 500) {
    const after = await inv.state!(req);
    if (after !== before) problems.push(`stored state changed on a ${answer.status}: ${before} → ${after}`);
  }
  if (problems.length) {
    throw new Error(`${problems.join('; ')}\nanswer: ${answer.status} ${answer.contentType} ${answer.body.slice(0, 500)}`);
  }
  return answer;
}

/** Runs the property over `requests`, bounded in count and time; a failure names its seed to replay with FUZZ_SEED. */
export async function fuzz(requests: fc.Arbitrary<FuzzRequest>, inv: Invariants, seed: number): Promise<void> {
  // FUZZ_STATS: how the answers spread over statuses, to see how far the requests reach.
  const tally = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(requests, async (req) => {
      const answer = await expectSound(req, inv);
      const key = `${req.method} ${req.url.split('?')[0]!.replace(/\/[^/]*\d[^/]*/g, '/:n')} ${answer.status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }),
    { numRuns: RUNS, seed: SEED ?? seed, endOnFailure: true, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false },
  );
  if (process.env.FUZZ_STATS)
    console.log(
      [...tally]
        .sort()
        .map(([k, n]) => `${n}\t${k}`)
        .join('\n'),
    );
}

/**
 * A fingerprint of stored state: per table its row count and a checksum of the given columns
 * (those no background task changes), and the keys under the Redis prefix with their values.
 */
export function storedState(mysql: Pool, tables: Record<string, string>, redis?: { client: Redis; prefix: string }): () => Promise<string> {
  const sql = `SELECT ${Object.entries(tables)
    .map(
      ([table, columns]) => `(SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('|', ${columns}))), 0)) FROM ${table}) AS ${table}`,
    )
    .join(', ')}`;
  return async () => {
    const [[row]] = await mysql.query<RowDataPacket[]>(sql);
    return JSON.stringify({ ...row, ...(redis ? { redis: await redisState(redis.client, redis.prefix) } : {}) });
  };
}

/** The keys under `prefix`, with their values, as a count and a digest. */
async function redisState(redis: Redis, prefix: string): Promise<string> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  keys.sort();
  const values = await Promise.all(keys.map((key) => contentOf(redis, key)));
  const digest = createHash('sha256');
  keys.forEach((key, i) => digest.update(key).update(values[i]!));
  return `${keys.length}:${digest.digest('hex').slice(0, 16)}`;
}

/** A key's value, in an order that only a change to it changes (DUMP's is a hash table's, which lookups rehash). */
async function contentOf(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  const sorted = (items: string[]) => JSON.stringify(items.sort());
  switch (type) {
    case 'string':
      return `s:${await redis.get(key)}`;
    case 'hash':
      return `h:${sorted(Object.entries(await redis.hgetall(key)).map(([field, value]) => `${field}=${value}`))}`;
    case 'set':
      return `S:${sorted(await redis.smembers(key))}`;
    case 'zset':
      return `z:${JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))}`;
    case 'list':
      return `l:${JSON.stringify(await redis.lrange(key, 0, -1))}`;
    case 'stream':
      return `x:${JSON.stringify(await redis.xrange(key, '-', '+'))}`;
    default:
      return type;
  }
}
