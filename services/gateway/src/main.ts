import { loadConfigOrExit } from '@sk/config';
import { exitOnCrash } from '@sk/http';
import { configSchema } from './config.js';
import { runWorkers } from './workers.js';

// The primary, or the whole gateway (GATEWAY_WORKERS=1): a worker's entry is gateway.js.
exitOnCrash('gateway');
const config = loadConfigOrExit('gateway', configSchema);
if (config.GATEWAY_WORKERS > 1) await runWorkers(config);
else await import('./gateway.js');
