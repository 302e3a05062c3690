// The Atomix releases the operator knows how to run, and the differences between them that the
// API has to know about (../../README.md "Atomix versions"). Facts from the Atomix 3.1 sources
// (atomix/atomix-archive, tags atomix-3.1.0 … atomix-3.1.12) and from running the images.

/** Every Atomix 3.1 release: the agent's command line and configuration keys are the same in all. */
export const ATOMIX_VERSIONS = [
  '3.1.0', '3.1.1', '3.1.2', '3.1.3', '3.1.4', '3.1.5', '3.1.6',
  '3.1.7', '3.1.8', '3.1.9', '3.1.10', '3.1.11', '3.1.12',
] as const;

export type AtomixVersion = (typeof ATOMIX_VERSIONS)[number];

/**
 * The newest release: years of fixes over 3.1.0 (Raft catch-up after compaction in 3.1.7,
 * membership fixes), G1 by default, and a non-root image user.
 */
export const DEFAULT_ATOMIX_VERSION: AtomixVersion = '3.1.12';

const releasesBefore = (first: AtomixVersion): readonly AtomixVersion[] => ATOMIX_VERSIONS.slice(0, ATOMIX_VERSIONS.indexOf(first));

/**
 * Up to 3.1.5 a node retries partition-group discovery forever when no node has a partition
 * group (DefaultPartitionGroupMembershipService); from 3.1.6 it gives up after 5 attempts and starts.
 */
export const VERSIONS_THAT_NEED_A_PARTITION_GROUP = releasesBefore('3.1.6');

/** The first release whose membership protocol (SWIM) answers a probe with another type. */
const FIRST_NEW_PROBE_REPLY: AtomixVersion = '3.1.6';

/**
 * Releases before 3.1.6, whose SWIM probe reply is an `ImmutableMember`; from 3.1.6 it is a
 * `Pair`. A node on either side of that line fails (a ClassCastException in an async callback,
 * silently) on every probe of a node on the other side: they cannot form one cluster. The only
 * atomix/atomix-bench image (:latest, built on a 3.1.1 snapshot) is on the old side.
 */
export const VERSIONS_WITH_THE_OLD_PROBE_REPLY = releasesBefore(FIRST_NEW_PROBE_REPLY);

/** Whether members of `a` and of `b` cannot probe each other (one is before 3.1.6, the other not). */
export function acrossTheProbeChange(a: string, b: string): boolean {
  const old = (version: string) => (VERSIONS_WITH_THE_OLD_PROBE_REPLY as readonly string[]).includes(version);
  return old(a) !== old(b);
}

/** A version range as the messages write it: 3.1.0–3.1.5. */
export function versionRange(versions: readonly AtomixVersion[]): string {
  return `${versions[0] ?? ''}–${versions.at(-1) ?? ''}`;
}

/** The user `atomix` of the 3.1.11+ images (uid and gid). */
export const ATOMIX_USER_ID = 1000;
/** The first 3.1.x patch release whose image adds `USER atomix`; earlier images run as root. */
const FIRST_NON_ROOT_PATCH = 11;

/**
 * The uid the atomix/atomix image of `version` runs as: root up to 3.1.10, user atomix
 * from 3.1.11. A version this cannot read counts as root, which only costs the
 * restricted pod security settings, never a pod that cannot start.
 */
export function imageUserOf(version: string): number {
  const patch = /^3\.1\.(\d+)$/.exec(version)?.[1];
  return patch !== undefined && Number(patch) >= FIRST_NON_ROOT_PATCH ? ATOMIX_USER_ID : 0;
}
