import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { clusterWorkerMetrics } from './cluster-metrics.js';

/**
 * `/metrics` in Prometheus text format: process metrics (event-loop lag, heap) and every answer
 * by route, method, HTTP status and envelope code, with a latency histogram. The registry is the app's own, so
 * services can add their metrics to it and tests can build many apps in one process. In a cluster
 * worker `/metrics` serves the whole cluster's (see clusterWorkerMetrics).
 */
export function installMetrics(app: FastifyInstance, service: string, registry: Registry = new Registry()): Registry {
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Answers by route, method, HTTP status and envelope code (none: an answer without one)',
    labelNames: ['route', 'method', 'status', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by route',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  app.addHook('onResponse', async (req, reply) => {
    // Noted as the answer left (installAnswerCode); a request dropped before any answer has none.
    const route = req.route ?? req.routeOptions.url ?? 'unknown';
    if (route === '/metrics' || route === '/health') return;
    requests.inc({ route, method: req.method, status: reply.statusCode, code: req.answerCode ?? 'none' });
    duration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  const text = cluster.isWorker ? clusterWorkerMetrics(registry) : () => registry.metrics();
  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    reply.type(registry.contentType);
    return text();
  });
  return registry;
}

/**
 * `sk_connection_up{dependency}`: 1 while the service's link to a dependency (redis, zookeeper,
 * mysql) is up, 0 while it is down; read from the clients' own state at each scrape.
 */
export function connectionMetrics(registry: Registry, links: Record<string, () => boolean>): void {
  new Gauge({
    name: 'sk_connection_up',
    help: 'Whether the link to a dependency is up (1) or down (0)',
    labelNames: ['dependency'],
    registers: [registry],
    // Over a cluster's workers: up only while every worker's link is.
    aggregator: 'min',
    collect() {
      for (const [dependency, up] of Object.entries(links)) this.set({ dependency }, up() ? 1 : 0);
    },
  });
}
