// Writing the AtomixCluster status: only when it changed, a change of verdict at once and mere
// progress coalesced, and remembering what was written while the cache still shows the
// cluster as it was before.
import type { AtomixCluster, AtomixClusterStatus } from '../api/schema.js';
import { canonicalJson } from '../kube/hash.js';
import { sameVerdict } from './conditions.js';
import type { Pass } from './pass.js';
import type { Problem } from './status.js';
import type { ReconcileDeps } from './reconcile.js';

/** A status that only reports progress (same verdict, new counts) waits this long after the previous write. */
export const STATUS_COALESCE_MS = 30_000;

interface StatusWrite {
  readonly status: AtomixClusterStatus;
  /** The cluster's resourceVersion before and after the write. */
  readonly replaced: string | undefined;
  readonly written: string | undefined;
  readonly at: number;
}

export class StatusReport {
  private readonly writes = new Map<string, StatusWrite>();

  constructor(
    private readonly deps: Pick<ReconcileDeps, 'writer' | 'events' | 'now'>,
    private readonly maxCacheLagMs: number,
  ) {}

  /** The status this operator just wrote, while the cache still shows the cluster as it was before; then the cached one. */
  knownStatus(key: string, cached: AtomixCluster): AtomixClusterStatus | undefined {
    const write = this.writes.get(key);
    const lagging =
      write !== undefined &&
      write.written !== write.replaced &&
      write.replaced === cached.metadata.resourceVersion &&
      this.deps.now().getTime() - write.at < this.maxCacheLagMs;
    return lagging ? write.status : cached.status;
  }

  /**
   * Writes the status when it changed. A change of verdict (a condition flips or changes
   * reason, or a new generation) is written at once; mere progress (counts, messages) at most
   * every STATUS_COALESCE_MS, so a starting cluster costs two status writes, not one per pod.
   * Returns when to look again if the write was held back.
   */
  async write(pass: Pass, status: AtomixClusterStatus, problems: readonly Problem[]): Promise<number | undefined> {
    const { cluster, key } = pass;
    const now = this.deps.now();
    if (isSameStatus(cluster.status, status)) return undefined;
    const sinceLastWrite = now.getTime() - (this.writes.get(key)?.at ?? -Infinity);
    // A new generation is news too: the status must say the spec change was seen.
    const progressOnly =
      cluster.status !== undefined &&
      cluster.status.observedGeneration === status.observedGeneration &&
      sameVerdict(cluster.status.conditions, status.conditions);
    if (progressOnly && sinceLastWrite < STATUS_COALESCE_MS) return STATUS_COALESCE_MS - sinceLastWrite;
    const written = await pass.write(() => this.deps.writer.writeStatus(cluster, status));
    this.writes.set(key, { status, replaced: cluster.metadata.resourceVersion, written: written.resourceVersion, at: now.getTime() });
    const [first] = problems;
    if (first && !sameVerdict(cluster.status?.conditions, status.conditions)) {
      this.deps.events.warning(cluster, first.reason, problems.map((p) => p.message).join('; '));
    }
    return undefined;
  }

  forget(key: string): void {
    this.writes.delete(key);
  }
}

function isSameStatus(previous: AtomixCluster['status'], next: AtomixClusterStatus): boolean {
  return JSON.stringify(canonicalJson(previous ?? {})) === JSON.stringify(canonicalJson(next));
}
