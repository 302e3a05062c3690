// What the operator knows about the atomix/atomix image of each Atomix version
// (research: real-atomix-findings.md §A, tools/atomix-agent/README.md).

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
