import { ActivityBook, zkPaths, type ActivityConfig } from '@sk/seckill';
import { ZkSession } from '@sk/zookeeper';
import { ZK_HOSTS } from './infra.js';

export function activity(overrides: Partial<ActivityConfig> = {}): ActivityConfig {
  const now = Date.now();
  return {
    activity_id: 1,
    product_id: 1,
    name: 'test sale',
    start_time: now - 60_000,
    end_time: now + 3_600_000,
    total: 10,
    buy_limit: 1,
    buy_rate: 1,
    pay_window_s: 900,
    status: 'enabled',
    version: 1,
    ...overrides,
  };
}

/** Writes activities straight into the ZooKeeper mirror, as sk-admin would. */
export async function publishActivities(zk: ZkSession, root: string, activities: ActivityConfig[]): Promise<void> {
  const paths = zkPaths(root);
  await zk.mkdirp(paths.activities);
  for (const a of activities) {
    const path = paths.activity(a.activity_id);
    const data = Buffer.from(JSON.stringify(a));
    const existing = await zk.getData(path);
    if (existing) await zk.setData(path, data, existing.version);
    else await zk.create(path, data);
  }
}

/** A connected session and a loaded book holding `activities`. */
export async function bookWith(root: string, activities: ActivityConfig[]): Promise<{ zk: ZkSession; book: ActivityBook }> {
  const zk = new ZkSession({ hosts: ZK_HOSTS });
  await zk.waitConnected();
  await publishActivities(zk, root, activities);
  const book = new ActivityBook(zk, root);
  const loaded = new Promise((resolve) => book.once('loaded', resolve));
  await book.start();
  await loaded;
  return { zk, book };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
