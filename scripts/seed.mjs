#!/usr/bin/env node
// Seeds the demo through the gateway, idempotently (safe to run any number of times):
//   operator SK_ADMIN_USER/SK_ADMIN_PASSWORD (default admin/admin123, created by auth itself),
//   shoppers user1..user100 / pass123, product "Demo phone" with the activity "Demo flash sale".
// Env: GATEWAY_URL (default http://127.0.0.1:9090). Exit code 1 on failure.

const GATEWAY = (process.env.GATEWAY_URL || 'http://127.0.0.1:9090').replace(/\/+$/, '');
const ADMIN_USER = process.env.SK_ADMIN_USER || 'admin';
const ADMIN_PASSWORD = process.env.SK_ADMIN_PASSWORD || 'admin123';
const SHOPPERS = 100;
const SHOPPER_PASSWORD = 'pass123';
const PRODUCT_NAME = 'Demo phone';
const ACTIVITY_NAME = 'Demo flash sale';

const say = (msg) => console.log(`seed: ${msg}`);

class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} -> HTTP ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(GATEWAY + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  if (!res.ok) throw new HttpError(method, path, res.status, json);
  return json;
}

// The gateway may still be finding its upstreams right after start-up: retry 5xx and
// connection errors for up to 30 s.
async function adminToken() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await call('POST', '/oauth/token', {
        body: { grant_type: 'password', username: ADMIN_USER, password: ADMIN_PASSWORD },
      });
      if (!r.access_token) throw new Error(`no access_token in ${JSON.stringify(r)}`);
      return r.access_token;
    } catch (err) {
      const retriable = !(err instanceof HttpError) || err.status >= 500;
      if (!retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const isConflict = (err) => err instanceof HttpError && err.status === 409;

async function seedUsers(token) {
  const users = Array.from({ length: SHOPPERS }, (_, i) => ({
    username: `user${i + 1}`,
    password: SHOPPER_PASSWORD,
  }));
  try {
    const r = await call('POST', '/admin/users', { token, body: { users } });
    const created = Array.isArray(r.result) ? r.result.length : 0;
    say(`shoppers: ${created} created, ${SHOPPERS - created} already there`);
    return;
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  // the batch was refused because some exist: add them one at a time
  let created = 0;
  for (const u of users) {
    try {
      await call('POST', '/admin/users', { token, body: { users: [u] } });
      created++;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  say(`shoppers: ${created} created, ${SHOPPERS - created} already there`);
}

async function seedProduct(token) {
  const products = (await call('GET', '/admin/products', { token })).result ?? [];
  let product = products.find((p) => p.name === PRODUCT_NAME);
  if (product) {
    say(`product "${PRODUCT_NAME}" already there (product_id ${product.product_id})`);
  } else {
    product = (await call('POST', '/admin/products', { token, body: { name: PRODUCT_NAME } })).result;
    say(`product "${PRODUCT_NAME}" created (product_id ${product.product_id})`);
  }

  const activities = (await call('GET', '/admin/activities', { token })).result ?? [];
  const existing = activities.find((a) => String(a.product_id) === String(product.product_id));
  if (existing) {
    say(`activity for it already there (activity_id ${existing.activity_id})`);
    return;
  }
  const now = Date.now();
  const activity = (
    await call('POST', '/admin/activities', {
      token,
      body: {
        name: ACTIVITY_NAME,
        product_id: product.product_id,
        start_time: new Date(now - 60_000).toISOString(),
        end_time: new Date(now + 7 * 24 * 3600_000).toISOString(),
        total: 100,
        buy_limit: 1,
        buy_rate: 1,
      },
    })
  ).result;
  say(`activity "${ACTIVITY_NAME}" created (activity_id ${activity.activity_id}): 100 on sale for 7 days`);
}

try {
  say(`gateway ${GATEWAY}`);
  const token = await adminToken();
  say(`signed in as operator ${ADMIN_USER}`);
  await seedUsers(token);
  await seedProduct(token);
  say('done');
} catch (err) {
  const cause = err.cause ? ` (${err.cause.code || err.cause.message})` : '';
  console.error(`seed: failed: ${err.message}${cause} [gateway ${GATEWAY}]`);
  process.exit(1);
}
