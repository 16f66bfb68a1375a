// The flash crowd: N shoppers, each with their own token, key and connection (all made before the
// clock starts), send one signed kill each within the same 100 ms, at a stock far smaller than the
// crowd. What a shopper sees when the sale opens: how long until everyone has an answer, and the
// latency of each answer from its own send, neither of which a closed-loop run can show.
//
// The kills leave as request bytes built beforehand, one socket write each: through an HTTP
// client, making 5,000 requests took this process about a second of the machine's two cores, so
// the crowd arrived over a second instead of 100 ms, and the suite waited on the load generator.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const SPREAD_MS = 100;
const HEAD_END = Buffer.from('\r\n\r\n');

/** A keep-alive connection to `host:port` that answers one request at a time: `send` resolves with the status and body. */
async function connection(host, port) {
  const socket = net.connect({ host, port, noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let pending = null;
  let received = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
    const headEnd = received.indexOf(HEAD_END);
    if (!pending || headEnd < 0) return;
    const head = received.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (received.length < headEnd + 4 + length) return;
    const body = received.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    received = received.subarray(headEnd + 4 + length);
    const done = pending;
    pending = null;
    done.resolve({ status: Number(head.slice(9, 12)), body });
  });
  socket.on('error', (err) => pending?.reject(err));
  socket.on('close', () => pending?.reject(new Error('connection closed')));
  return {
    send: (bytes) => new Promise((resolve, reject) => ((pending = { resolve, reject }), socket.write(bytes))),
    close: () => socket.destroy(),
  };
}

/** The bytes of one HTTP/1.1 request. */
function requestBytes(method, path, host, headers, body = '') {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `host: ${host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `content-length: ${Buffer.byteLength(body)}`,
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * Runs the crowd with the bench's helpers (`ctx`): `shoppers` logged in, a sale of `stock` made
 * for them. Returns the scenario's entry of latest.json.
 */
export async function runCrowd(ctx, { shoppers, adminToken, stock }) {
  const { settings, createSale, signedKill, activityCounts, ordersStored, codeOf, log } = ctx;
  const { productId, activityId } = await createSale(adminToken, 'crowd', stock);
  const { hostname, port, host } = new URL(settings.gateway);
  // One connection each, opened (and proven with a /health) before the clock starts, as each shopper's browser would.
  const connections = [];
  for (let i = 0; i < shoppers.length; i += 500) {
    connections.push(...(await Promise.all(shoppers.slice(i, i + 500).map(() => connection(hostname, Number(port || 80))))));
  }
  try {
    const health = requestBytes('GET', '/health', host, {});
    await Promise.all(connections.map((c) => c.send(health)));
    const kills = shoppers.map((shopper) => {
      const { body, headers } = signedKill(shopper, productId);
      return requestBytes('POST', '/sec/kill', host, headers, body);
    });
    log(`crowd: ${shoppers.length} shoppers connected and signed; ${stock} in stock (product ${productId})`);

    const answers = new Array(kills.length);
    const start = performance.now() + 50;
    await Promise.all(
      kills.map(
        (kill, i) =>
          new Promise((resolve) => {
            setTimeout(
              () => {
                const sentAt = performance.now();
                connections[i]
                  .send(kill)
                  .then(
                    ({ status, body }) => (answers[i] = { sentAt, answeredAt: performance.now(), code: codeOf(status, body) }),
                    (err) => (answers[i] = { sentAt, answeredAt: performance.now(), code: `error:${err.code ?? err.message}` }),
                  )
                  .then(resolve);
              },
              Math.max(0, start - performance.now() + (i * SPREAD_MS) / kills.length),
            );
          }),
      ),
    );

    const codes = {};
    for (const { code } of answers) codes[code] = (codes[code] ?? 0) + 1;
    const latencies = answers.map((a) => a.answeredAt - a.sentAt).sort((a, b) => a - b);
    const at = (q) => Number(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)].toFixed(1));
    const firstSent = Math.min(...answers.map((a) => a.sentAt));
    await new Promise((r) => setTimeout(r, 1000)); // what was still in flight settles
    const counts = await activityCounts(adminToken, activityId);
    const orders = await ordersStored(adminToken, activityId);
    const wins = codes['1002'] ?? 0;
    return {
      crowd: shoppers.length,
      stock,
      sent_within_ms: Number((Math.max(...answers.map((a) => a.sentAt)) - firstSent).toFixed(1)),
      all_answered_in_ms: Number((Math.max(...answers.map((a) => a.answeredAt)) - firstSent).toFixed(1)),
      latency_ms: { p50: at(0.5), p99: at(0.99), p99_9: at(0.999), max: Number(latencies[latencies.length - 1].toFixed(1)) },
      codes,
      activity: { product_id: productId, activity_id: activityId, ...counts },
      orders,
      invariants: [
        { name: 'no_oversell', ok: counts.sold <= stock, detail: `sold ${counts.sold} <= stock ${stock}` },
        { name: 'sold_out', ok: counts.sold === stock, detail: `the crowd (${shoppers.length}) bought all ${stock}` },
        // Every unit sold went to a 1002, or to an attempt that answered 1108 (its outcome to be asked).
        {
          name: 'successes_are_real',
          ok: wins <= counts.sold && counts.sold <= wins + (codes['1108'] ?? 0),
          detail: `1002 answers ${wins}, sold ${counts.sold}, 1108 answers ${codes['1108'] ?? 0}`,
        },
        {
          name: 'every_sale_an_order',
          ok: orders.drift === 0,
          detail: `sold ${orders.sold} == held orders ${orders.held} ${orders.drained_in_ms} ms after`,
        },
        {
          name: 'everyone_answered',
          ok: answers.every((a) => !String(a.code).startsWith('error')),
          detail: `${answers.length} answers to ${shoppers.length} shoppers`,
        },
      ],
    };
  } finally {
    for (const c of connections) c.close();
  }
}
