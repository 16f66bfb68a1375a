import { Counter, Gauge, Histogram, type Registry } from '@sk/http';
import type { RelayClient } from './relay.js';

/** The relay as SREs see it: how long shoppers wait for sk-core, and how many wait now. */
export function relayMetrics(registry: Registry, relay: () => RelayClient) {
  const wait = new Histogram({
    name: 'sk_relay_wait_seconds',
    help: 'Time an attempt waited for its answer from sk-core, by answer code',
    labelNames: ['code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'sk_relay_pending',
    help: 'Attempts of this instance waiting for sk-core now',
    registers: [registry],
    collect() {
      this.set(relay().pending);
    },
  });
  return { observe: (seconds: number, code: number) => wait.observe({ code: String(code) }, seconds) };
}

/** Kills that came in the gateway's batches (http_requests_total counts each batch once). */
export function killBatchMetrics(registry: Registry) {
  const size = new Histogram({
    name: 'sk_kill_batch_size',
    help: 'Kills per batch received from the gateway',
    buckets: [1, 2, 5, 10, 20, 40, 64],
    registers: [registry],
  });
  const answered = new Counter({
    name: 'sk_batched_kills_total',
    help: "Kills answered in the gateway's batches, by HTTP status and answer code",
    labelNames: ['status', 'code'],
    registers: [registry],
  });
  return {
    received: (kills: number) => size.observe(kills),
    answered: (status: number, code: number) => answered.inc({ status: String(status), code: String(code) }),
  };
}
