import { loadConfig } from '@sk/config';
import { createDiscovery } from '@sk/discovery';
import { TokenVerifier, httpJwksSource } from '@sk/identity';
import { serve } from '@sk/runtime';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import { gatewayConfigSchema } from './config.js';
import { originOf } from './upstreams.js';

const config = loadConfig(gatewayConfigSchema);

// Only the ZooKeeper backend needs a session; it is opened here so startup can wait for it.
const zk = config.SK_DISCOVERY === 'zookeeper' ? new ZkSession({ hosts: config.ZK_HOSTS, sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS }) : undefined;
const discovery = createDiscovery(config, () => zk!);
await zk?.waitConnected();

const authUrls = () => (config.AUTH_URL ? [config.AUTH_URL] : discovery.instances('auth').map(originOf));
const verifier = new TokenVerifier(httpJwksSource(authUrls));

const app = buildApp({ discovery, verifier, upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS, bulkTimeoutMs: config.ADMIN_BULK_TIMEOUT_MS, logLevel: config.LOG_LEVEL });
app.addHook('onClose', async () => zk?.close());
await serve('gateway', app, config, discovery);
