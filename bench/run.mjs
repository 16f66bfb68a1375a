#!/usr/bin/env node
// Benchmark of the seckill suite (CONTRACT.md §6). Run alone, on an idle machine, with the suite up:
//   node bench/run.mjs [--gateway URL] [--duration S] [--warmup S] [--connections N] [--users N]
//                      [--crowd N] [--stock N] [--only hello,selling,fixed-rate,crowd,sold-out,fsync]
// Scenarios: hello (bare fastify ceiling), selling (signed kills while stock lasts, each win an
// order stored by sk-order), fixed-rate (selling at half of selling's rate: the latency when not
// saturated), crowd (N shoppers, one kill each within 100 ms, at a stock of --stock: bench/crowd.mjs),
// sold-out (kills after the stock is gone), fsync (selling with Redis's appendfsync always against
// everysec, alternated). Prints a table and writes
// bench/results/latest.json; exit 1 when an invariant fails or a scenario could not run.
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { fork } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCrowd } from './crowd.mjs';

const SCENARIOS = ['hello', 'selling', 'fixed-rate', 'crowd', 'sold-out', 'fsync'];

const { values: flags } = parseArgs({
  options: {
    gateway: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    users: { type: 'string' },
    crowd: { type: 'string' },
    stock: { type: 'string' },
    only: { type: 'string' },
  },
});
const env = process.env;
const settings = {
  gateway: (flags.gateway ?? env.GATEWAY_URL ?? 'http://127.0.0.1:9090').replace(/\/+$/, ''),
  duration: Number(flags.duration ?? env.BENCH_DURATION ?? 10),
  // Unmeasured load before each scenario, so the services' JIT is warm when measuring starts.
  warmup: Number(flags.warmup ?? env.BENCH_WARMUP ?? 3),
  connections: Number(flags.connections ?? env.BENCH_CONNECTIONS ?? 200),
  users: Number(flags.users ?? env.BENCH_USERS ?? 1000),
  crowd: Number(flags.crowd ?? env.BENCH_CROWD ?? 5000),
  stock: Number(flags.stock ?? env.BENCH_STOCK ?? 500),
  only: (flags.only ?? env.BENCH_ONLY ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  // The suite's Redis (./sk bench sets it), for the fsync scenario.
  redisUrl: env.REDIS_URL,
  // sk-order's /metrics, for the order writer's rows and lag.
  orderMetricsUrl: env.SK_ORDER_METRICS_URL ?? 'http://127.0.0.1:9033/metrics',
  adminUser: env.SK_ADMIN_USER ?? 'admin',
  adminPassword: env.SK_ADMIN_PASSWORD ?? 'admin123',
};
if (!Number.isInteger(settings.warmup) || settings.warmup < 0) fail('--warmup must be a whole number of seconds');
for (const [name, v] of Object.entries({
  duration: settings.duration,
  connections: settings.connections,
  users: settings.users,
  crowd: settings.crowd,
  stock: settings.stock,
})) {
  if (!Number.isInteger(v) || v < 1) fail(`--${name} must be a positive integer`);
}
for (const s of settings.only) if (!SCENARIOS.includes(s)) fail(`unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);

// The processes whose CPU time is measured per scenario: `./sk ps -a` lines (`name port pid`) in
// BENCH_PROCESSES, which ./sk bench sets; none without it.
const PROCESSES = (env.BENCH_PROCESSES ?? '')
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter((f) => f.length === 3 && /^\d+$/.test(f[2]))
  .map(([name, port, pid]) => ({ label: `${name}:${port}`, pid }));

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
// Unique per run: names the shoppers and products, and prefixes every nonce.
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
// Cheap way to get the envelope's code without JSON.parse on the hot path.
const CODE_RE = /"code"\s*:\s*(-?\d+)/;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (message) => console.error(`[bench] ${message}`);

// ---------------------------------------------------------------------------------------------
// HTTP helpers for setup and checks (not on the measured path)

/** JSON call through the gateway; retries a few times on 429 (rate limits are not what we test here). */
async function api(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(settings.gateway + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (res.status === 429 && attempt < 10) {
      await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 0.5) * 1000);
      continue;
    }
    return { status: res.status, body: json };
  }
}

/** Like api(), but throws unless the HTTP status is the expected one. */
async function must(expectedStatus, method, path, options) {
  const res = await api(method, path, options);
  if (res.status !== expectedStatus) {
    throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)} (expected ${expectedStatus})`);
  }
  return res.body;
}

/** Runs fn over items with at most `limit` calls in flight, keeping the order of the results. */
async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Setup: admin token, shoppers, a product with an activity

async function login(username, password) {
  const body = await must(200, 'POST', '/oauth/token', { body: { grant_type: 'password', username, password } });
  return { username, user_id: body.user_id, access_token: body.access_token, sign_key: body.sign_key };
}

async function createShoppers(adminToken, count) {
  const users = Array.from({ length: count }, (_, i) => ({ username: `bench_${RUN_ID}_${i}`, password: 'benchpass' }));
  const t0 = Date.now();
  // In small batches: the API takes 10,000 users a call, but bodies must stay under 16 KiB (§2) and
  // hashing the passwords of a big batch outlasts the gateway's upstream timeout.
  for (let i = 0; i < users.length; i += 50) {
    const batch = users.slice(i, i + 50);
    for (let attempt = 1; ; attempt++) {
      const res = await api('POST', '/admin/users', { token: adminToken, body: { users: batch } });
      if (res.status === 201) break;
      // Creating users is idempotent (an existing username keeps its id), so a 5xx can be retried.
      if (res.status < 500 || attempt === 3) {
        throw new Error(`POST /admin/users → ${res.status} ${JSON.stringify(res.body).slice(0, 300)} (expected 201)`);
      }
      await sleep(2000);
    }
  }
  log(`created ${count} shoppers in ${Date.now() - t0} ms; logging them in`);
  const t1 = Date.now();
  // Bounded concurrency: logins hash passwords, 1000 at once would just queue up in auth.
  const shoppers = await mapLimit(users, 20, (u) => login(u.username, u.password));
  log(`logged in ${count} shoppers in ${Date.now() - t1} ms`);
  return shoppers;
}

/** Creates a product and an activity on sale now, and waits until shoppers see it with `status`. */
async function createSale(adminToken, label, total) {
  const product = await must(201, 'POST', '/admin/products', { token: adminToken, body: { name: `bench ${label} ${RUN_ID}` } });
  const productId = product.result.product_id;
  const now = Math.floor(Date.now() / 1000);
  const activity = await must(201, 'POST', '/admin/activities', {
    token: adminToken,
    body: {
      name: `bench ${label} ${RUN_ID}`,
      product_id: productId,
      start_time: now - 60,
      end_time: now + 3600,
      total,
      buy_limit: 1_000_000, // never the limiting factor: we measure stock, not per-user limits
      buy_rate: 1,
      // The longest window: a run's orders must not expire (and give their units back) during the next runs.
      pay_window_s: 86_400,
    },
  });
  const activityId = activity.result.activity_id;
  await waitForStatus(productId, 'on_sale');
  return { productId, activityId };
}

/** Polls /sec/info until the activity shows `status` (the contract allows 2 s of propagation). */
async function waitForStatus(productId, status, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await api('GET', `/sec/info?product_id=${productId}`);
    if (last.body?.result?.status === status) return true;
    await sleep(100);
  }
  throw new Error(
    `product ${productId} not ${status} within ${timeoutMs} ms (last: ${last?.status} ${JSON.stringify(last?.body).slice(0, 200)})`,
  );
}

// ---------------------------------------------------------------------------------------------
// Signed kills (CONTRACT §4)

let nonceSeq = 0;

/** Body and headers of one signed POST /sec/kill; fresh nonce and sec_time every time. */
function signedKill(user, productId) {
  const nonce = RUN_ID + (nonceSeq++).toString(36).padStart(8, '0'); // ≥ 19 chars, unique in this run
  const secTime = Date.now();
  const sign = createHmac('sha256', user.sign_key)
    .update(`nonce=${nonce}&product_id=${productId}&sec_time=${secTime}&user_id=${user.user_id}`)
    .digest('hex');
  user.killHeaders ??= { authorization: `Bearer ${user.access_token}`, 'content-type': 'application/json' };
  return { body: JSON.stringify({ product_id: productId, sec_time: secTime, nonce, sign }), headers: user.killHeaders };
}

// Kills are signed ahead of a run, enough for this many per second: signing while measured would
// take the machine's CPU (shared with the suite) from the suite. Their sec_time must still be
// within the ±30 s window when sent, so longer runs sign as they go. A measured run signs for twice
// the best second of its warm-up, PRESIGN_MAX_KILLS at most: autocannon turns them into request
// bytes while it makes its connections, and the timeout clock of the first connections already
// runs (past 10 s of it, their first requests count as timeouts though nothing hung). A connection
// that outruns its share sends its kills again: replays, answered 1110 while selling, and 1004
// like any attempt once sold out.
const PRESIGN_RATE = 20_000;
const PRESIGN_MAX_S = 20;
const PRESIGN_MAX_KILLS = 300_000;

/**
 * Signed kills for a run of `seconds`, made now: one list per connection, which autocannon turns
 * into request bytes once, before the run, instead of once per request during it. None for runs
 * too long to sign ahead.
 */
function presignedKills(shoppers, productId, seconds, rate, onResponse) {
  if (seconds > PRESIGN_MAX_S) return null;
  const { connections } = settings;
  const perConnection = Math.ceil(Math.min(seconds * rate, PRESIGN_MAX_KILLS) / connections);
  // Kill i of connection c is shopper c + i × connections: in step, the connections rotate through
  // the shoppers together instead of many of them sending for one shopper at once.
  return Array.from({ length: connections }, (_, c) =>
    Array.from({ length: perConnection }, (_, i) => ({
      method: 'POST',
      path: '/sec/kill',
      ...signedKill(shoppers[(c + i * connections) % shoppers.length], productId),
      onResponse,
    })),
  );
}

const bump = (codes, code) => {
  codes[code] = (codes[code] ?? 0) + 1;
};

/** Sends kills (10 at a time) until one answers 1004 sold out; returns the counts per code. */
async function sellOut(shoppers, productId, maxRequests = 20_000) {
  const codes = {};
  let sent = 0;
  let soldOut = false;
  const sender = async () => {
    while (!soldOut && sent < maxRequests) {
      const { body, headers } = signedKill(shoppers[sent++ % shoppers.length], productId);
      const res = await fetch(`${settings.gateway}/sec/kill`, { method: 'POST', headers, body });
      const code = (await res.json().catch(() => ({}))).code ?? `http_${res.status}`;
      bump(codes, code);
      if (code === 1004) soldOut = true;
      else if (code === 1104 || code === 1001) await sleep(50); // back off from limits and busy answers
    }
  };
  await Promise.all(Array.from({ length: 10 }, sender));
  if (!soldOut) throw new Error(`no 1004 after ${sent} kills: ${JSON.stringify(codes)}`);
  return codes;
}

// ---------------------------------------------------------------------------------------------
// Load runs

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards), or null once it is gone. */
function procStat(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return null;
  }
}

/** The CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
function cpuMs(fields) {
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ ticks
}

/**
 * CPU time (ms) each of `processes` has used so far, its running children included: a gateway
 * with GATEWAY_WORKERS does its work in them.
 */
function cpuTimes(processes) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    const fields = /^\d+$/.test(entry) ? procStat(entry) : null;
    if (fields) children.set(fields[1], [...(children.get(fields[1]) ?? []), fields]);
  }
  return processes.map(({ pid }) => {
    const own = procStat(pid);
    if (!own) return NaN;
    return (children.get(pid) ?? []).reduce((ms, child) => ms + cpuMs(child), cpuMs(own));
  });
}

/**
 * Latency of every answer but each connection's first, in whole ms. autocannon queues a
 * connection's first request as it makes the connection, then builds the next connections'
 * requests (seconds, for 300,000 signed kills) before any of them is written: the first answers'
 * latencies are mostly that wait inside the load generator (autocannon's own percentiles count
 * them), and at a few thousand answers a second those 200 reach p99.
 */
class AnswerLatencies {
  counts = new Uint32Array(60_001); // 0 … 60 s, rounded up (never reported faster than measured); slower counts as 60 s
  seen = new Set();

  record(client, ms) {
    if (!this.seen.has(client)) {
      this.seen.add(client);
      return;
    }
    this.counts[Math.min(Math.ceil(ms), this.counts.length - 1)]++;
  }

  percentiles() {
    const total = this.counts.reduce((sum, n) => sum + n, 0);
    const at = (q) => {
      const rank = Math.ceil(q * total);
      let below = 0;
      for (let ms = 0; ms < this.counts.length; ms++) if ((below += this.counts[ms]) >= rank) return ms;
      return null;
    };
    return total ? { p50: at(0.5), p99: at(0.99), p99_9: at(0.999) } : { p50: null, p99: null, p99_9: null };
  }
}

/**
 * The suite's Redis masters, for counting the commands they process: the cluster's masters when
 * REDIS_CLUSTER_NODES is set (REDIS_URL then carries the password), else REDIS_URL's one node.
 */
async function redisMasters() {
  if (!settings.redisUrl) return [];
  const nodes = (env.REDIS_CLUSTER_NODES ?? '').split(',').filter(Boolean);
  const urls = nodes.length ? nodes.map((node) => Object.assign(new URL(settings.redisUrl), { host: node }).href) : [settings.redisUrl];
  const clients = urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1 }));
  const roles = await Promise.all(
    clients.map((c) =>
      c.role().then(
        ([role]) => role,
        () => null,
      ),
    ),
  );
  clients.forEach((c, i) => roles[i] !== 'master' && c.disconnect());
  return clients.filter((_, i) => roles[i] === 'master');
}

/** Commands the masters have processed so far, all together. */
async function commandsProcessed(masters) {
  const stats = await Promise.all(masters.map((m) => m.info('stats')));
  return stats.reduce((sum, info) => sum + Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0), 0);
}

/**
 * One autocannon run with `options` (default: GET /). The result also carries `cpu_ms`: the CPU
 * time each measured process used during the run. Counting starts when autocannon has set up its
 * connections, so building pre-signed requests is not counted as load.
 */
async function load(url, options = {}, duration = settings.duration, processes = PROCESSES) {
  const masters = await redisMasters();
  // autocannon builds every connection's requests before it returns.
  const setupStart = Date.now();
  const run = autocannon({
    url,
    connections: settings.connections,
    duration,
    pipelining: 1, // keep-alive, one request in flight per connection
    ...options,
  });
  const latencies = new AnswerLatencies();
  run.on('response', (client, _status, _bytes, ms) => latencies.record(client, ms));
  // Always emitted, once the connections are set up.
  let before, ownBefore, commandsBefore;
  run.once('start', () => {
    if (options.setupClient) log(`requests built in ${Date.now() - setupStart} ms`);
    before = cpuTimes(processes);
    ownBefore = process.cpuUsage();
    commandsBefore = commandsProcessed(masters);
  });
  const result = await run;
  const after = cpuTimes(processes);
  const own = process.cpuUsage(ownBefore);
  if (masters.length) result.redis_commands = (await commandsProcessed(masters)) - (await commandsBefore);
  masters.forEach((m) => m.disconnect());
  result.answer_latency_ms = latencies.percentiles();
  result.cpu_ms = Object.fromEntries([
    ...processes.map(({ label }, i) => [label, after[i] - before[i]]).filter(([, ms]) => Number.isFinite(ms)),
    // The load generator itself (autocannon runs in this process): the share of the machine it takes.
    ['bench:client', (own.user + own.system) / 1000],
  ]);
  return result;
}

/** The envelope's code of an answer, `http_<status>` when it has none. */
const answerCode = (status, body) => CODE_RE.exec(body)?.[1] ?? `http_${status}`;

/**
 * Hammers POST /sec/kill on productId, rotating through the shoppers; counts answers per code.
 * With `overallRate`, at that many requests a second in all (open loop) instead of as fast as answered.
 */
async function hammerKills(shoppers, productId, duration, rate, overallRate) {
  const codes = {};
  const onResponse = (status, body) => bump(codes, answerCode(status, body));
  const presigned = presignedKills(shoppers, productId, duration, rate, onResponse);
  let next = 0;
  const options = presigned
    ? { setupClient: (client) => client.setRequests(presigned[next++]) }
    : {
        requests: [
          {
            method: 'POST',
            path: '/sec/kill',
            setupRequest: (req) => Object.assign(req, signedKill(shoppers[next++ % shoppers.length], productId)),
            onResponse,
          },
        ],
      };
  const result = await load(settings.gateway, overallRate ? { ...options, overallRate } : options, duration);
  return { result, codes };
}

/**
 * Kills on productId: unmeasured load first (what a scenario measures is the warm suite), then the
 * measured run, signed for twice the warm-up's best second.
 */
async function measureKills(shoppers, productId) {
  let rate = PRESIGN_RATE;
  if (settings.warmup > 0) {
    const warm = await hammerKills(shoppers, productId, settings.warmup, PRESIGN_RATE);
    rate = Math.max(5_000, warm.result.requests.max * 2); // its best second, twice
  }
  return hammerKills(shoppers, productId, settings.duration, rate);
}

/** The scenario's entry of latest.json from an autocannon result. */
function summarize(result, codes = {}) {
  return {
    requests_per_sec: result.requests.average,
    requests_total: result.requests.total,
    latency_ms: result.answer_latency_ms,
    codes,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    // Where the machine's CPU went: µs of each process's CPU time per answer during the run.
    cpu_us_per_answer: Object.fromEntries(
      Object.entries(result.cpu_ms ?? {}).map(([label, ms]) => [
        label,
        result.requests.total ? Number(((ms * 1000) / result.requests.total).toFixed(1)) : null,
      ]),
    ),
    // Commands the Redis masters processed per answer (the suite's background commands included).
    redis_commands_per_answer:
      result.redis_commands != null && result.requests.total ? Number((result.redis_commands / result.requests.total).toFixed(2)) : null,
    ratio_to_hello: null,
    invariants: [],
  };
}

async function activityCounts(adminToken, activityId) {
  const body = await must(200, 'GET', `/admin/activities/${activityId}`, { token: adminToken });
  const { total, sold, remaining } = body.result;
  return { total: Number(total), sold: Number(sold), remaining: Number(remaining) };
}

/** Invariants shared by both sale scenarios (CONTRACT §4 guarantees). */
function saleInvariants({ total, sold, remaining }, successes, timeouts1108) {
  return [
    { name: 'no_oversell', ok: sold <= total, detail: `sold ${sold} <= total ${total} (remaining ${remaining})` },
    {
      // Equal unless some answers were 1108, or kills were still in flight when the run stopped.
      name: 'successes_are_real',
      ok: successes <= sold,
      detail: `1002 answers ${successes} <= sold ${sold} (1108 answers: ${timeouts1108})`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async function runHello() {
  const child = fork(fileURLToPath(new URL('./hello.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('hello server did not start within 10 s')), 10_000);
      child.once('message', (m) => (clearTimeout(timer), resolve(m.port)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`hello server exited (${code})`))));
    });
    const url = `http://127.0.0.1:${port}/`;
    if (settings.warmup > 0) await load(url, {}, settings.warmup); // unmeasured: warm the JIT
    const result = await load(url, {}, settings.duration, [{ label: 'hello:server', pid: String(child.pid) }]);
    return summarize(result);
  } finally {
    child.kill();
  }
}

/** Lazily set up once, shared by both sale scenarios (creating and logging in shoppers is slow). */
let shared;
async function saleSetup() {
  if (!shared) {
    const admin = await login(settings.adminUser, settings.adminPassword);
    const shoppers = await createShoppers(admin.access_token, settings.users);
    shared = { adminToken: admin.access_token, shoppers };
  }
  return shared;
}

async function runSelling() {
  const { adminToken, shoppers } = await saleSetup();
  const { productId, activityId } = await createSale(adminToken, 'selling', 10_000_000);
  log(`selling: product ${productId}, activity ${activityId}`);
  const rowsBefore = await orderMetric('sk_order_writer_rows_total');
  const { result, codes } = await measureKills(shoppers, productId);
  const lagAtEnd = await orderMetric('sk_order_stream_lag_seconds');
  const rowsAfter = await orderMetric('sk_order_writer_rows_total');
  await sleep(1000); // let kills in flight when autocannon stopped settle before reading `sold`
  const counts = await activityCounts(adminToken, activityId);
  const out = summarize(result, codes);
  out.activity = { product_id: productId, activity_id: activityId, ...counts };
  const orders = await ordersStored(adminToken, activityId);
  out.orders = {
    // Rows the writer wrote during the warm-up and the measured run, per second of the two.
    writer_rows_per_sec:
      rowsAfter === null || rowsBefore === null ? null : Math.round((rowsAfter - rowsBefore) / (settings.warmup + settings.duration)),
    stream_lag_s_at_end: lagAtEnd,
    ...orders,
  };
  out.invariants = [
    ...saleInvariants(counts, codes['1002'] ?? 0, codes['1108'] ?? 0),
    {
      name: 'every_sale_an_order',
      ok: orders.drift === 0,
      detail: `sold ${orders.sold} == held orders ${orders.held} ${orders.drained_in_ms} ms after the run`,
    },
  ];
  return out;
}

/**
 * Selling at half the rate `selling` measured (autocannon's overallRate): the latency a shopper sees
 * when the suite is not saturated, which the closed-loop runs cannot show.
 */
async function runFixedRate(scenarios) {
  const capacity = scenarios.selling?.requests_per_sec;
  if (!capacity) throw new Error('needs the selling scenario first (its rate is what this halves)');
  const rate = Math.max(1, Math.floor(capacity / 2));
  const { adminToken, shoppers } = await saleSetup();
  const { productId, activityId } = await createSale(adminToken, 'fixed-rate', 10_000_000);
  log(`fixed-rate: ${rate} kills/s (half of selling's ${capacity}), product ${productId}`);
  // Signed for twice the rate: autocannon spreads the rate unevenly over the connections, and one
  // that ran out of its kills would replay them (1110).
  const { result, codes } = await hammerKills(shoppers, productId, settings.duration, rate * 2, rate);
  await sleep(1000);
  const counts = await activityCounts(adminToken, activityId);
  const out = summarize(result, codes);
  out.rate = rate;
  out.activity = { product_id: productId, activity_id: activityId, ...counts };
  out.invariants = saleInvariants(counts, codes['1002'] ?? 0, codes['1108'] ?? 0);
  return out;
}

async function runCrowdScenario() {
  const { adminToken } = await saleSetup();
  const shoppers = await createShoppers(adminToken, settings.crowd);
  const helpers = { settings, createSale, signedKill, activityCounts, ordersStored, codeOf: answerCode, log };
  return runCrowd(helpers, { shoppers, adminToken, stock: settings.stock });
}

/** A value of sk-order's /metrics (the first sample of the name), or null when it cannot be read. */
async function orderMetric(name) {
  try {
    const text = await (await fetch(settings.orderMetricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
  } catch {
    return null;
  }
}

/** Waits until every unit sold is an order in MySQL (reconciliation drift 0), 30 s at most. */
async function ordersStored(adminToken, activityId) {
  const started = Date.now();
  for (;;) {
    const { result } = await must(200, 'GET', `/admin/activities/${activityId}/reconciliation`, { token: adminToken });
    if (result.drift === 0 || Date.now() - started > 30_000) return { ...result, drained_in_ms: Date.now() - started };
    await sleep(100);
  }
}

async function runSoldOut() {
  const { adminToken, shoppers } = await saleSetup();
  const { productId, activityId } = await createSale(adminToken, 'sold-out', 100);
  log(`sold-out: product ${productId}, activity ${activityId}; selling out the 100 items first`);
  const presale = await sellOut(shoppers, productId);
  const invariants = [];
  try {
    await waitForStatus(productId, 'sold_out');
    invariants.push({ name: 'info_says_sold_out', ok: true, detail: '/sec/info status sold_out after the 1004' });
  } catch (err) {
    invariants.push({ name: 'info_says_sold_out', ok: false, detail: err.message });
  }
  const { result, codes } = await measureKills(shoppers, productId);
  await sleep(1000);
  const counts = await activityCounts(adminToken, activityId);
  const out = summarize(result, codes);
  out.activity = { product_id: productId, activity_id: activityId, ...counts };
  out.presale_codes = presale;
  // Successes over the whole life of the activity: the sell-out phase and the hammering.
  const successes = (presale['1002'] ?? 0) + (codes['1002'] ?? 0);
  const timeouts1108 = (presale['1108'] ?? 0) + (codes['1108'] ?? 0);
  out.invariants = [
    ...invariants,
    ...saleInvariants(counts, successes, timeouts1108),
    { name: 'sold_equals_total', ok: counts.sold === counts.total, detail: `sold ${counts.sold} == total ${counts.total}` },
  ];
  return out;
}

/**
 * Selling with Redis's `appendfsync always` against `everysec`, alternated (always, everysec,
 * always, everysec) on the suite's own Redis, which is set back as it was. Each run sells a fresh
 * activity, unwarmed but for the run before it.
 */
async function runFsync() {
  if (!settings.redisUrl) throw new Error('REDIS_URL is not set (./sk bench sets it)');
  const { adminToken, shoppers } = await saleSetup();
  const redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const [, was] = await redis.config('GET', 'appendfsync');
  const runs = [];
  try {
    for (const mode of ['always', 'everysec', 'always', 'everysec']) {
      await redis.config('SET', 'appendfsync', mode);
      const { productId } = await createSale(adminToken, `fsync ${mode}`, 10_000_000);
      const { result, codes } = await hammerKills(shoppers, productId, settings.duration, PRESIGN_RATE);
      runs.push({ appendfsync: mode, ...summarize(result, codes) });
      log(`fsync ${mode}: ${result.requests.average} req/s, p99 ${result.answer_latency_ms.p99} ms`);
    }
  } finally {
    await redis.config('SET', 'appendfsync', was).catch(() => {});
    redis.disconnect();
  }
  const last = runs[runs.length - 1];
  return {
    ...last,
    appendfsync_runs: runs.map(({ appendfsync, requests_per_sec, latency_ms, codes }) => ({
      appendfsync,
      requests_per_sec,
      latency_ms,
      codes,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Output

function printTable(scenarios) {
  const fmt = (n, digits = 0) => (typeof n === 'number' ? n.toFixed(digits) : '-');
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'err/timeouts', 'non-2xx', 'vs hello', 'codes']];
  for (const [name, s] of Object.entries(scenarios)) {
    if (s.error) {
      rows.push([name, 'FAILED', '', '', '', '', '', '', '']);
      continue;
    }
    if (s.crowd) continue; // its own line, below
    const codes = Object.entries(s.codes)
      .map(([c, n]) => `${c}:${n}`)
      .join(' ');
    rows.push([
      name,
      fmt(s.requests_per_sec),
      fmt(s.latency_ms.p50, 1),
      fmt(s.latency_ms.p99, 1),
      fmt(s.latency_ms.p99_9, 1),
      `${s.errors}/${s.timeouts}`,
      String(s.non_2xx),
      s.ratio_to_hello == null ? '-' : `${(s.ratio_to_hello * 100).toFixed(1)}%`,
      codes || '-',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log();
  for (const r of rows)
    console.log(r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  console.log();
  const measured = Object.entries(scenarios).filter(([, s]) => s.cpu_us_per_answer);
  if (measured.length > 0) {
    console.log('CPU µs per answer (user + system, during the measured run), and Redis commands per answer:');
    for (const [name, s] of measured) {
      const parts = Object.entries(s.cpu_us_per_answer).filter(([, us]) => us >= 1);
      const commands = s.redis_commands_per_answer == null ? '' : `; Redis commands per answer ${s.redis_commands_per_answer}`;
      console.log(`  ${name.padEnd(9)} ${parts.map(([label, us]) => `${label.split(':')[0]} ${us}`).join(', ')}${commands}`);
    }
    console.log();
  }
  if (scenarios.selling?.orders) console.log(`selling's orders: ${JSON.stringify(scenarios.selling.orders)}\n`);
  const crowd = scenarios.crowd;
  if (crowd?.crowd) {
    const codes = Object.entries(crowd.codes)
      .map(([c, n]) => `${c}:${n}`)
      .join(' ');
    console.log(
      `crowd: ${crowd.crowd} shoppers sent within ${crowd.sent_within_ms} ms at a stock of ${crowd.stock}; all answered in ${crowd.all_answered_in_ms} ms;`,
    );
    console.log(
      `       latency p50 ${crowd.latency_ms.p50} / p99 ${crowd.latency_ms.p99} / p99.9 ${crowd.latency_ms.p99_9} / max ${crowd.latency_ms.max} ms; ${codes}\n`,
    );
  }
  for (const run of scenarios.fsync?.appendfsync_runs ?? []) {
    console.log(
      `appendfsync ${run.appendfsync.padEnd(8)} ${fmt(run.requests_per_sec)} req/s, p50 ${run.latency_ms.p50} / p99 ${run.latency_ms.p99} / p99.9 ${run.latency_ms.p99_9} ms`,
    );
  }
  for (const [name, s] of Object.entries(scenarios)) {
    if (s.error) console.log(`FAIL  ${name}: could not run — ${s.error}`);
    for (const inv of s.invariants ?? []) console.log(`${inv.ok ? 'ok  ' : 'FAIL'}  ${name}: ${inv.name} — ${inv.detail}`);
  }
}

async function main() {
  const runners = {
    hello: runHello,
    selling: runSelling,
    'fixed-rate': runFixedRate,
    crowd: runCrowdScenario,
    'sold-out': runSoldOut,
    fsync: runFsync,
  };
  const scenarios = {};
  let failed = false;
  log(`gateway ${settings.gateway}, ${settings.connections} connections, ${settings.duration} s per scenario, run ${RUN_ID}`);
  for (const name of SCENARIOS.filter((s) => settings.only.includes(s))) {
    log(`scenario ${name}`);
    try {
      scenarios[name] = await runners[name](scenarios);
    } catch (err) {
      // Record and go on: one broken scenario should not hide the numbers of the others.
      failed = true;
      scenarios[name] = { error: err.message, invariants: [] };
      log(`scenario ${name} failed: ${err.stack ?? err}`);
    }
  }

  const helloRps = scenarios.hello?.requests_per_sec;
  for (const s of Object.values(scenarios)) {
    if (!s.error && helloRps && s.requests_per_sec) s.ratio_to_hello = Number((s.requests_per_sec / helloRps).toFixed(4));
  }
  if (Object.values(scenarios).some((s) => s.invariants.some((inv) => !inv.ok))) failed = true;

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null, node: process.version },
    settings: {
      connections: settings.connections,
      duration: settings.duration,
      warmup: settings.warmup,
      users: settings.users,
      crowd: settings.crowd,
      stock: settings.stock,
      gateway: settings.gateway,
    },
    scenarios,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(`${RESULTS_DIR}latest.json`, `${JSON.stringify(report, null, 2)}\n`);

  printTable(scenarios);
  console.log(`\nwritten bench/results/latest.json${failed ? ' — FAILED' : ''}`);
  process.exit(failed ? 1 : 0);
}

await main();
