import { createHash } from 'node:crypto';
import zookeeper, { type ACL, type Stat } from 'node-zookeeper-client';

/** ZooKeeper's default: every permission to anyone. */
export const OPEN_ACL: readonly ACL[] = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))];

/**
 * Every permission to the digest identity of `credentials` ("user:password") and none to anyone
 * else: the identity is the user and the base64 SHA-1 of the whole "user:password", as the server
 * derives it from the credentials a client adds.
 */
export function ownerOnlyAcl(credentials: string): readonly ACL[] {
  const user = credentials.split(':', 1)[0]!;
  const digest = createHash('sha1').update(credentials).digest('base64');
  return [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('digest', `${user}:${digest}`))];
}

// The client keeps an entry's permissions as `permission` (its types say `perms`).
const entryKey = (entry: ACL) => `${entry.id.scheme}:${entry.id.id}:${(entry as unknown as { permission: number }).permission}`;

/** Whether `acl` is `wanted`, entry for entry. */
export function isAcl(acl: readonly ACL[], wanted: readonly ACL[]): boolean {
  return acl.length === wanted.length && acl.every((entry, i) => entryKey(entry) === entryKey(wanted[i]!));
}

/** Whether the node lives only as long as the session that made it. */
export function isEphemeral(stat: Stat): boolean {
  return stat.ephemeralOwner.some((byte) => byte !== 0);
}
