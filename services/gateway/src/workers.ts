import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { createDiscovery } from '@sk/discovery';
import { ConnectionBalancer, createLogger, serveClusterMetrics } from '@sk/http';
import { announce } from '@sk/runtime';
import { ZkSession } from '@sk/zookeeper';
import type { GatewayConfig } from './config.js';

/** How long a worker that died waits to be replaced, so a worker that cannot start does not spin. */
const REPLACE_AFTER_MS = 1_000;
/** How long the workers get to finish their requests on shutdown. */
const STOP_WITHIN_MS = 12_000;

/**
 * The gateway as GATEWAY_WORKERS processes behind one port, so the gateway's own work (verifying,
 * limiting, answering from memory, forwarding) uses more than one core. This primary serves no
 * request itself: it listens and hands each connection to the worker that holds the fewest
 * (ConnectionBalancer; node:cluster's round robin and the kernel both left the workers unevenly
 * loaded). It registers the gateway once for all workers, replaces a worker that dies, gathers the
 * workers' metrics for `/metrics`, and on SIGTERM stops taking connections and leaves discovery
 * before it stops the workers. A connection handed to a worker in the instant it dies is lost
 * with it: its client waits for its own timeout, as it would for any crashed server.
 *
 * Each worker keeps its own rate-limit buckets, as separate gateways do: a client spread over
 * many connections can get up to GATEWAY_WORKERS times a per-address or per-user rate, unless the
 * per-user rules are shared (`"shared": true` in the limits file).
 */
export async function runWorkers(config: GatewayConfig): Promise<void> {
  const log = createLogger('gateway', config.LOG_LEVEL);
  // Each worker runs the gateway's entry, which starts the gateway in it (startGateway).
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./main.js', import.meta.url)) });
  const balancer = new ConnectionBalancer((err, message) => log.warn({ err }, message));
  serveClusterMetrics(() => balancer.serving);

  const zk = config.SK_DISCOVERY === 'zookeeper' ? ZkSession.fromConfig(config) : undefined;
  const discovery = createDiscovery(config, () => zk!);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), STOP_WITHIN_MS).unref();
    balancer.close();
    await discovery.close().catch((err: unknown) => log.warn({ err }, 'deregistration failed'));
    zk?.close();
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (!worker || worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  let listening = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!listening) {
      // A worker that cannot even start (bad configuration...) would fail the same way again.
      log.fatal({ code, signal }, 'a gateway worker exited before the gateway listened');
      process.exit(1);
    }
    log.error({ worker: worker.process.pid, code, signal }, 'gateway worker died; starting another');
    setTimeout(() => stopping || cluster.fork(), REPLACE_AFTER_MS);
  });
  for (let i = 0; i < config.GATEWAY_WORKERS; i++) cluster.fork();
  const port = await balancer.listen(config.PORT, config.HOST).catch((err: unknown) => {
    log.fatal({ err }, 'the gateway cannot listen');
    process.exit(1);
  });
  listening = true;

  await zk?.waitConnected();
  await announce('gateway', port, config, discovery);
  log.info({ service: 'gateway', port, workers: config.GATEWAY_WORKERS }, 'registered');
}
