import { readFileSync } from 'node:fs';
import type { Cluster } from 'ioredis';

/** Where `./sk` keeps its run files (scripts/infra.sh writes the local cluster's pid files there). */
const SK_DATA = `${process.env.SK_ROOT ?? process.cwd()}/.data`;

/** The pid of the local test cluster's node `host:port`, from its pid file ("<pid> <start time>"). */
export const clusterNodePid = (node: string): number =>
  Number(readFileSync(`${SK_DATA}/run/redis-cluster-${node.split(':')[1]}.pid`, 'utf8').split(' ')[0]);

/** The master serving `key`'s slot and its replica (none while a failover has left it alone), as the cluster tells now. */
export async function shardOf(cluster: Cluster, key: string): Promise<{ master: string; replica: string | undefined }> {
  const slot = Number(await cluster.cluster('KEYSLOT', key));
  const [, , master, replica] = (await cluster.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to)!;
  return { master: `${master![0]}:${master![1]}`, replica: replica && `${replica[0]}:${replica[1]}` };
}

/** Resolves once a cluster client knows the cluster's slots. */
export async function clusterReady(cluster: Cluster): Promise<void> {
  if (cluster.status !== 'ready') await new Promise<void>((resolve) => cluster.once('ready', () => resolve()));
}
