import type { FastifyInstance } from 'fastify';
import type { Discovery } from '@sk/discovery';
import { listenAndServe, serveHandedConnections } from '@sk/http';

export interface InstanceConfig {
  PORT: number;
  HOST: string;
  ADVERTISE_HOST: string;
  INSTANCE_ID?: string | undefined;
  WEIGHT: number;
}

export function instanceId(service: string, config: InstanceConfig): string {
  return config.INSTANCE_ID ?? `${service}-${config.ADVERTISE_HOST}-${config.PORT}`;
}

export interface ServeOptions {
  grpcPort?: number;
  /**
   * In a worker of a cluster: serves the connections its primary hands over, and leaves it to the
   * primary to announce the one instance they make together.
   */
  clusterWorker?: boolean;
}

/**
 * Listens, then announces the instance in discovery; on shutdown it leaves discovery before
 * the server stops taking requests.
 */
export async function serve(
  service: string,
  app: FastifyInstance,
  config: InstanceConfig,
  discovery: Discovery,
  extra: ServeOptions = {},
): Promise<void> {
  app.addHook('preClose', async () => {
    await discovery.close().catch((err) => app.log.warn({ err }, 'deregistration failed'));
  });
  if (extra.clusterWorker) return serveHandedConnections(app);
  await listenAndServe(app, config.PORT, config.HOST);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  await announce(service, port, config, discovery, extra);
  app.log.info({ service, port }, 'registered');
}

/** Registers the instance serving `service` on `port` (the port it listens on, when PORT was 0). */
export async function announce(
  service: string,
  port: number,
  config: InstanceConfig,
  discovery: Discovery,
  extra: Pick<ServeOptions, 'grpcPort'> = {},
): Promise<void> {
  await discovery.register({
    id: instanceId(service, { ...config, PORT: port }),
    service,
    host: config.ADVERTISE_HOST,
    port,
    weight: config.WEIGHT,
    ...(extra.grpcPort ? { grpcPort: extra.grpcPort } : {}),
  });
}
export { authTokenVerifier } from './auth-keys.js';
