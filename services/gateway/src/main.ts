import { loadConfigOrExit } from '@sk/config';
import { configSchema } from './config.js';
import { runWorkers } from './workers.js';

const config = loadConfigOrExit('gateway', configSchema);
if (config.GATEWAY_WORKERS > 1) await runWorkers(config);
else await import('./gateway.js');
