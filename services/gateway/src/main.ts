import { loadConfig } from '@sk/config';
import { configSchema } from './config.js';
import { runWorkers } from './workers.js';

const config = loadConfig(configSchema);
if (config.GATEWAY_WORKERS > 1) await runWorkers(config);
else await import('./gateway.js');
