import { loadConfigOrExit } from '@sk/config';
import { createDiscovery } from '@sk/discovery';
import { exitOnCrash } from '@sk/http';
import { CheckAnswerSeal } from '@sk/rpc';
import { serve } from '@sk/runtime';
import { MYSQL_TRACED_CALLS, createMysql } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import { prepareAuth } from './auth.js';
import { configSchema } from './config.js';
import { startGrpcServer } from './grpc.js';

exitOnCrash('auth');

async function main(): Promise<void> {
  const config = loadConfigOrExit('auth', configSchema);
  const tracing = createTracing({ serviceName: 'auth', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });
  const mysql = await createMysql(config.MYSQL_URL);
  const pool = tracing ? tracing.instrument(mysql, 'mysql', MYSQL_TRACED_CALLS) : mysql;
  const { tokens, keys, operator, demoted } = await prepareAuth(pool, config);
  const app = buildApp({
    pool,
    tokens,
    keys,
    logLevel: config.LOG_LEVEL,
    logRequests: config.LOG_REQUESTS,
    tracing,
  });
  app.log.info({ user: config.SK_ADMIN_USER, operator }, 'operator seeded');
  if (demoted.length > 0) app.log.warn({ users: demoted }, 'former operators lost the admin role');
  const stopFollowingKeys = keys.follow((err) => app.log.warn({ err }, 'signing keys not reloaded'));

  const grpcServer = await startGrpcServer(tokens, new CheckAnswerSeal(config.SK_SECRET), config.HOST, config.GRPC_PORT, tracing);
  app.log.info({ grpcPort: grpcServer.port }, 'gRPC listening');
  let zk: ZkSession | undefined;
  const discovery = createDiscovery(config, () => {
    zk = ZkSession.fromConfig(config);
    return zk;
  });
  app.addHook('onClose', async () => {
    stopFollowingKeys();
    zk?.close();
    await grpcServer.close();
    await pool.end();
  });
  await serve('auth', app, config, discovery, { grpcPort: grpcServer.port });
}

main().catch((err: unknown) => {
  console.error('auth failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
