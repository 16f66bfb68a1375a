import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateMode, Exception, ZkSession, isCode } from '@sk/zookeeper';
import { ZK_HOSTS, removeTree, until } from '@sk/test-support';
import { MAX_WEIGHT, SmoothWeightedBalancer, StaticDiscovery, ZookeeperDiscovery } from '../src/index.js';

const root = `/skt/discovery-${process.pid}`;
afterAll(() => removeTree(root));

describe('ZooKeeper discovery', () => {
  it('sees instances come and go with their sessions', async () => {
    const watcherZk = new ZkSession({ hosts: ZK_HOSTS });
    const watcher = new ZookeeperDiscovery(watcherZk, root);
    await watcherZk.waitConnected();
    await watcher.watch('svc');
    expect(watcher.instances('svc')).toEqual([]);

    const sessions = [new ZkSession({ hosts: ZK_HOSTS }), new ZkSession({ hosts: ZK_HOSTS })];
    const registries = sessions.map((zk) => new ZookeeperDiscovery(zk, root));
    await Promise.all(sessions.map((zk) => zk.waitConnected()));
    await registries[0]!.register({ id: 'a', service: 'svc', host: '127.0.0.1', port: 1001, weight: 1 });
    await registries[1]!.register({ id: 'b', service: 'svc', host: '127.0.0.1', port: 1002, weight: 3 });
    await until(() => watcher.instances('svc').length === 2);
    expect(
      watcher
        .instances('svc')
        .map((i) => [i.id, i.port, i.weight])
        .sort(),
    ).toEqual([
      ['a', 1001, 1],
      ['b', 1002, 3],
    ]);

    // A process that dies takes its ephemeral node with it.
    sessions[1]!.close();
    await until(() => watcher.instances('svc').length === 1, 15_000);
    expect(watcher.instances('svc')[0]!.id).toBe('a');

    await registries[0]!.close();
    await until(() => watcher.instances('svc').length === 0);
    sessions[0]!.close();
    await watcher.close();
    watcherZk.close();
  });

  it('caps the weight a znode claims at MAX_WEIGHT', async () => {
    const zk = new ZkSession({ hosts: ZK_HOSTS });
    const watcher = new ZookeeperDiscovery(zk, root);
    await zk.waitConnected();
    await watcher.watch('auth');
    // Written as anyone able to write under the root could, not through ZookeeperDiscovery.
    await zk.mkdirp(`${root}/services/auth`);
    const rogue = { id: 'auth-rogue', service: 'auth', host: '10.6.6.6', port: 9019, weight: 1e9 };
    await zk.create(`${root}/services/auth/auth-rogue`, Buffer.from(JSON.stringify(rogue)), CreateMode.EPHEMERAL);
    await until(() => watcher.instances('auth').length === 1);
    expect(watcher.instances('auth')[0]!.weight).toBe(MAX_WEIGHT);
    await watcher.close();
    zk.close();
  });
});

describe('ZooKeeper discovery with credentials (ZK_AUTH)', () => {
  const lockedRoot = `${root}-locked`;
  const credentials = `sk:${randomBytes(12).toString('hex')}`;
  afterAll(() => removeTree(lockedRoot, credentials));

  it('registers and watches as before, while a client without them can neither register nor see an instance', async () => {
    const auth = { credentials, root: lockedRoot };
    const [watcherZk, registryZk, intruderZk] = [
      new ZkSession({ hosts: ZK_HOSTS, auth }),
      new ZkSession({ hosts: ZK_HOSTS, auth }),
      new ZkSession({ hosts: ZK_HOSTS }),
    ];
    await Promise.all([watcherZk, registryZk, intruderZk].map((zk) => zk.waitConnected()));
    const watcher = new ZookeeperDiscovery(watcherZk, lockedRoot);
    await watcher.watch('auth');
    const registry = new ZookeeperDiscovery(registryZk, lockedRoot);
    await registry.register({ id: 'auth-1', service: 'auth', host: '127.0.0.1', port: 9019, weight: 1 });
    await until(() => watcher.instances('auth').length === 1);

    const intruder = new ZookeeperDiscovery(intruderZk, lockedRoot);
    const refused = await intruder.register({ id: 'auth-rogue', service: 'auth', host: '10.6.6.6', port: 9019, weight: 1 }).then(
      () => 'registered',
      (err: unknown) => (isCode(err, Exception.NO_AUTH) ? 'NO_AUTH' : String(err)),
    );
    expect(refused).toBe('NO_AUTH');
    expect(await intruderZk.getChildren(`${lockedRoot}/services/auth`).catch((err: unknown) => isCode(err, Exception.NO_AUTH))).toBe(true);
    expect(watcher.instances('auth').map((i) => i.id)).toEqual(['auth-1']);

    await registry.close();
    await until(() => watcher.instances('auth').length === 0);
    await Promise.all([watcher.close(), intruder.close()]);
    for (const zk of [watcherZk, registryZk, intruderZk]) zk.close();
  });
});

describe('static discovery', () => {
  it('parses the list, weights included', () => {
    const d = new StaticDiscovery('auth=127.0.0.1:9019; sk-app=10.0.0.1:9031,10.0.0.2:9131@3');
    expect(d.instances('auth')).toHaveLength(1);
    expect(d.instances('sk-app').map((i) => i.weight)).toEqual([1, 3]);
    expect(d.instances('nope')).toEqual([]);
    const balancer = new SmoothWeightedBalancer();
    const picks = Array.from({ length: 4 }, () => balancer.pick('sk-app', d.instances('sk-app'))!.host);
    expect(picks).toEqual(['10.0.0.2', '10.0.0.1', '10.0.0.2', '10.0.0.2']);
    expect(() => new StaticDiscovery('broken')).toThrow(/bad entry/);
  });
});
