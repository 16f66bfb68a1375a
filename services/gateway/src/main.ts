import cluster from 'node:cluster';
import { loadConfigOrExit } from '@sk/config';
import { exitOnCrash } from '@sk/http';
import { serve } from '@sk/runtime';
import { configSchema } from './config.js';
import { startGateway } from './gateway.js';
import { runWorkers } from './workers.js';

// Every gateway process starts here: the primary of GATEWAY_WORKERS workers and each worker it
// forks, or the one process that is the whole gateway (GATEWAY_WORKERS=1).
exitOnCrash('gateway');
const config = loadConfigOrExit('gateway', configSchema);
if (cluster.isPrimary && config.GATEWAY_WORKERS > 1) {
  await runWorkers(config);
} else {
  const { app, discovery } = await startGateway(config);
  // A worker serves the connections its primary hands over; the primary registers the gateway.
  await serve('gateway', app, config, discovery, { clusterWorker: cluster.isWorker });
}
