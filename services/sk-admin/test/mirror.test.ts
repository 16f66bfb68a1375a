import { ZkSession } from '@sk/zookeeper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActivityMirror, MirrorError, MirrorReconciler } from '../src/activity-mirror.js';
import { ActivityStore } from '../src/activity-store.js';
import type { ActivityChanges } from '../src/schemas/activities.js';
import { inTransaction } from '@sk/storage';
import { eventually, startHarness, type Harness } from './harness.js';

const hour = 3_600_000;
const start = Date.now() + hour;

async function newActivity(h: Harness, total = 10) {
  const product = await h.call('POST', '/admin/products', { name: 'Mirrored phone' });
  const res = await h.call('POST', '/admin/activities', {
    name: 'Mirrored sale',
    product_id: product.body.result.product_id,
    start_time: new Date(start).toISOString(),
    end_time: new Date(start + hour).toISOString(),
    total,
    buy_limit: 1,
  });
  expect(res.status).toBe(201);
  return res.body.result as { activity_id: number; mirror: string; version: number };
}

/** A real session whose next write (create or setData) is preceded by another writer's change to the same znode. */
class InterferingSession extends ZkSession {
  readonly calls = { create: 0, setData: 0 };
  interfere: ((path: string) => Promise<void>) | undefined;
  always = false;

  override async create(path: string, data: Buffer, mode?: number): Promise<string | null> {
    this.calls.create += 1;
    await this.beforeWrite(path);
    return super.create(path, data, mode);
  }

  override async setData(path: string, data: Buffer, version: number): Promise<number | null> {
    this.calls.setData += 1;
    await this.beforeWrite(path);
    return super.setData(path, data, version);
  }

  private async beforeWrite(path: string): Promise<void> {
    const interfere = this.interfere;
    if (!this.always) this.interfere = undefined;
    if (interfere) await interfere(path);
  }
}

describe('while ZooKeeper is unreachable', () => {
  let h: Harness;
  beforeAll(async () => {
    // The app's session points where nothing listens; the test's own session reaches the real ZooKeeper.
    h = await startHarness('sk_admin_mirror_down', { zkHosts: '127.0.0.1:1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores changes with mirror pending, stays healthy, and a reconciler completes the mirror later', async () => {
    const created = await newActivity(h);
    expect(created.mirror).toBe('pending');
    const id = created.activity_id;
    const patched = await h.call('PATCH', `/admin/activities/${id}`, { total: 20 });
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({ total: 20, version: 2, mirror: 'pending' });
    expect((await h.call('GET', `/admin/activities/${id}`)).body.result).toMatchObject({ total: 20, mirror: 'pending' });
    expect(await h.znode(id)).toBeUndefined();
    expect((await h.call('GET', '/health', undefined, null)).status).toBe(200);

    const store = new ActivityStore(h.mysql);
    const reconciler = new MirrorReconciler(store, new ActivityMirror(h.zk, h.iso.zkRoot), h.app.log, { intervalMs: 100 });
    await reconciler.reconcile();
    expect(await h.znode(id)).toMatchObject({ activity_id: id, total: 20, version: 2 });
    expect((await h.call('GET', `/admin/activities/${id}`)).body.result).toMatchObject({ mirror: 'done', version: 2 });
  });

  it('a started reconciler picks up pending activities by itself', async () => {
    const { activity_id } = await newActivity(h);
    const reconciler = new MirrorReconciler(new ActivityStore(h.mysql), new ActivityMirror(h.zk, h.iso.zkRoot), h.app.log, {
      intervalMs: 100,
    });
    reconciler.start();
    try {
      const mirrored = await eventually(() => h.znode(activity_id));
      expect(mirrored).toMatchObject({ activity_id, version: 1 });
      await eventually(async () =>
        (await h.call('GET', `/admin/activities/${activity_id}`)).body.result.mirror === 'done' ? true : undefined,
      );
    } finally {
      reconciler.stop();
    }
  });
});

describe('versioned writes', () => {
  let h: Harness;
  let session: InterferingSession;
  let store: ActivityStore;
  let mirror: ActivityMirror;
  beforeAll(async () => {
    // The app's own reconciler would be a third writer here: keep it out of the way.
    h = await startHarness('sk_admin_mirror_versions', { mirrorIntervalMs: 3_600_000 });
    store = new ActivityStore(h.mysql);
  });
  afterEach(() => {
    session?.close();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A new MySQL version of the activity, not mirrored (as if sk-admin had stopped right after the commit). */
  const update = (id: number, changes: ActivityChanges) => inTransaction(h.mysql, (tx) => store.update(tx, id, changes));

  async function interferingMirror() {
    session = new InterferingSession({ hosts: h.iso.zkHosts });
    await session.waitConnected();
    mirror = new ActivityMirror(session, h.iso.zkRoot);
    return session;
  }

  /** What another writer puts into the znode: an older config with a name of its own. */
  async function staleWrite(path: string) {
    const node = await h.zk.getData(path);
    const held = JSON.parse(node!.data.toString());
    await h.zk.setData(path, Buffer.from(JSON.stringify({ ...held, name: 'written by someone else' })), -1);
  }

  it('retries after a concurrent writer changed the znode, and converges', async () => {
    const { activity_id } = await newActivity(h);
    const { after: changed } = await update(activity_id, { total: 50 });
    const zk = await interferingMirror();
    zk.interfere = staleWrite;

    const reconciler = new MirrorReconciler(store, mirror, h.app.log, { intervalMs: 1_000 });
    await reconciler.reconcile();

    expect(zk.calls.setData).toBe(2);
    expect(await h.znode(activity_id)).toEqual(changed.config);
    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result).toMatchObject({ total: 50, version: 2, mirror: 'done' });
  });

  it('gives up after bounded retries, throwing, and the activity stays pending', async () => {
    const { activity_id } = await newActivity(h);
    const { after: changed } = await update(activity_id, { status: 'disabled' });
    const zk = await interferingMirror();
    zk.always = true;
    zk.interfere = staleWrite;

    await expect(mirror.publish(changed.config)).rejects.toBeInstanceOf(MirrorError);
    const reconciler = new MirrorReconciler(store, mirror, h.app.log, { intervalMs: 1_000 });
    expect(await reconciler.mirrorNow(changed.config)).toBe('pending');
    await reconciler.reconcile();
    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result).toMatchObject({ version: 2, mirror: 'pending' });
    expect(await h.znode(activity_id)).toMatchObject({ name: 'written by someone else', status: 'enabled' });

    // Once the other writer stops, the next pass lands it.
    zk.always = false;
    zk.interfere = undefined;
    await reconciler.reconcile();
    expect(await h.znode(activity_id)).toEqual(changed.config);
    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result.mirror).toBe('done');
  });

  it('never writes an older MySQL version over a newer one', async () => {
    const { activity_id } = await newActivity(h);
    const older = await store.require(activity_id);
    const { after: newer } = await update(activity_id, { total: 99 });
    const direct = new ActivityMirror(h.zk, h.iso.zkRoot);
    await direct.publish(newer.config);
    await direct.publish(older.config);
    expect(await h.znode(activity_id)).toEqual(newer.config);
  });

  it('creates a missing znode, and re-reads when another writer created it first', async () => {
    const { activity_id } = await newActivity(h);
    const path = h.paths.activity(activity_id);
    await h.zk.remove(path);
    const record = await store.require(activity_id);
    const zk = await interferingMirror();
    zk.interfere = async () => {
      await h.zk.create(path, Buffer.from(JSON.stringify({ ...record.config, name: 'created by someone else' })));
    };

    await mirror.publish(record.config);
    expect(zk.calls).toEqual({ create: 1, setData: 1 });
    expect(await h.znode(activity_id)).toEqual(record.config);
  });
});
