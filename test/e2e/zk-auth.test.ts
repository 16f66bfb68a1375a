import { randomBytes } from 'node:crypto';
import { CreateMode, Exception, ZkSession, isCode } from '@sk/zookeeper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, removeTree, until, type Shopper } from '@sk/test-support';

// The suite with ZK_AUTH, as ./sk runs it on its private ZooKeeper, on a root that a run without
// credentials left open and where someone registered an instance of their own.
const iso = isolate('e2e_zk_auth');
const credentials = `sk:${randomBytes(12).toString('hex')}`;
const root = iso.zkRoot;
let intruder: ZkSession;
let suite: Suite;

/** 'NO_AUTH' when ZooKeeper refused `attempt` for want of credentials, else what it gave. */
const refusal = (attempt: Promise<unknown>) =>
  attempt.then(String, (err: unknown) => (isCode(err, Exception.NO_AUTH) ? 'NO_AUTH' : String(err)));

beforeAll(async () => {
  intruder = new ZkSession({ hosts: iso.zkHosts });
  await intruder.waitConnected();
  await intruder.mkdirp(`${root}/services/sk-app`);
  const rogue = { id: 'sk-app-rogue', service: 'sk-app', host: '127.0.0.1', port: 1, weight: 100 };
  await intruder.create(`${root}/services/sk-app/${rogue.id}`, Buffer.from(JSON.stringify(rogue)), CreateMode.EPHEMERAL);
  suite = await Suite.start(iso, { env: { ZK_AUTH: credentials } });
});

afterAll(async () => {
  intruder?.close();
  await suite?.stop();
  await removeTree(root, credentials);
  await iso.cleanup();
});

describe('the suite with ZooKeeper credentials', () => {
  it('sells as before while a client without them can neither see nor change its tree, and the instance registered without them is gone', async () => {
    const [shopper] = (await suite.shoppers(1, 'zk_auth')) as [Shopper];
    const { productId, activityId } = await suite.sale({ total: 5, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);

    const attempts = {
      register: refusal(intruder.create(`${root}/services/sk-app/sk-app-rogue-2`, Buffer.from('{}'), CreateMode.EPHEMERAL)),
      listInstances: refusal(intruder.getChildren(`${root}/services/auth`)),
      readActivity: refusal(intruder.getData(`${root}/activities/${activityId}`)),
      rewriteActivity: refusal(intruder.setData(`${root}/activities/${activityId}`, Buffer.from('{}'), -1)),
      addUnderRoot: refusal(intruder.create(`${root}/elsewhere`, Buffer.alloc(0))),
    };
    const refused = Object.fromEntries(await Promise.all(Object.entries(attempts).map(async ([what, answer]) => [what, await answer])));
    expect(refused).toEqual(Object.fromEntries(Object.keys(attempts).map((what) => [what, 'NO_AUTH'])));

    const owner = new ZkSession({ hosts: iso.zkHosts, auth: { credentials, root } });
    try {
      await owner.waitConnected();
      await until(async () => !(await owner.getChildren(`${root}/services/sk-app`))?.includes('sk-app-rogue'));
      expect(await owner.getChildren(`${root}/services/sk-app`)).toHaveLength(suite.instances('sk-app').length);
    } finally {
      owner.close();
    }
  });
});
