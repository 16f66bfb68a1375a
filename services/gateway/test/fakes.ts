import Fastify, { type FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { ZookeeperDiscovery, type ServiceInstance } from '@sk/discovery';
import { KILL_BATCH_PATH } from '@sk/seckill';
import type { ZkSession } from '@sk/zookeeper';

/** What a fake upstream saw of one request. */
export interface Seen {
  service: string;
  instance: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface FakeUpstream {
  instance: ServiceInstance;
  seen: Seen[];
  /** Leaves discovery the way a stopping service does (its node removed). */
  deregister(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A stand-in for a service: registered in ZooKeeper like a real instance, it records every request
 * and answers with an echo of it, except for a few paths with fixed behaviour:
 * `…/teapot` → 418 text with Retry-After, `…/slow` → answers after 2 s, `…/broken` → 500,
 * `/oauth/jwks` → the given key set, and the gateway's kill batches → a 1002 per kill, echoing it.
 */
export async function startFakeUpstream(service: string, zk: ZkSession, zkRoot: string, jwks?: JSONWebKeySet): Promise<FakeUpstream> {
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  const seen: Seen[] = [];
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.all('/*', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (jwks && path === '/oauth/jwks') return jwks;
    const record: Seen = {
      service,
      instance: instance.id,
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
    seen.push(record);
    if (path === KILL_BATCH_PATH) {
      const { kills } = JSON.parse(record.body.toString()) as { kills: unknown[] };
      return { answers: kills.map((kill) => ({ status: 200, body: JSON.stringify({ code: 1002, message: 'echo', kill }) })) };
    }
    if (path.endsWith('/teapot'))
      return reply.code(418).header('retry-after', '7').type('text/plain; charset=utf-8').send('short and stout');
    if (path.endsWith('/slow')) await new Promise((r) => setTimeout(r, 2_000));
    if (path.endsWith('/broken')) return reply.code(500).send({ code: 1, message: 'broken' });
    return { ...record, body: record.body.toString('base64') };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const instance: ServiceInstance = { id: `${service}-fake-${port}`, service, host: '127.0.0.1', port, weight: 1 };
  const discovery = new ZookeeperDiscovery(zk, zkRoot);
  await discovery.register(instance);
  return {
    instance,
    seen,
    deregister: () => discovery.close(),
    close: async () => {
      await discovery.close();
      await app.close();
    },
  };
}

/** Registers an instance at a port nothing listens on (a crashed instance whose node is still there). */
export async function registerDeadInstance(service: string, port: number, zk: ZkSession, zkRoot: string): Promise<ZookeeperDiscovery> {
  const discovery = new ZookeeperDiscovery(zk, zkRoot);
  await discovery.register({ id: `${service}-dead-${port}`, service, host: '127.0.0.1', port, weight: 1 });
  return discovery;
}

export { TokenMint, until } from '@sk/test-support';
