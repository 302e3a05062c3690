// Reconcile one AtomixCluster: a short list of steps, each small, run in order.
// Level-based: every pass recomputes the whole desired state from the cluster,
// compares it with the informer caches and writes only what differs.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AtomixCluster, AtomixClusterStatus } from '../api/schema.js';
import { API_VERSION, KIND } from '../api/group.js';
import { validateCluster } from '../api/validate.js';
import { renderCluster, type KubeObject, type RenderOptions } from '../render/index.js';
import { needsApply, withAppliedHash } from '../kube/apply.js';
import { computeStatus, invalidSpecStatus, type ObservedStatefulSet, type Problem } from './status.js';
import { sameVerdict } from './conditions.js';
import { RecentWrites } from './recent-writes.js';

export interface ReconcileDeps {
  readonly clusters: { get(namespace: string, name: string): AtomixCluster | undefined };
  readonly owned: {
    /** The cached object of an owned kind, if any. */
    get(kind: string, namespace: string, name: string): KubernetesObject | undefined;
    /** Every cached object whose controller owner has this uid. */
    ownedBy(uid: string): KubernetesObject[];
  };
  readonly writer: {
    /** Server-side applies `desired`; `live` is the cached object it replaces. */
    apply(desired: KubeObject, live: KubernetesObject | undefined): Promise<void>;
    remove(object: KubernetesObject): Promise<void>;
    writeStatus(cluster: AtomixCluster, status: NonNullable<AtomixCluster['status']>): Promise<void>;
  };
  readonly events: {
    normal(cluster: AtomixCluster, reason: string, message: string): void;
    warning(cluster: AtomixCluster, reason: string, message: string): void;
  };
  readonly now: () => Date;
  readonly renderOptions: RenderOptions;
}

export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

/** A status that only reports progress (same verdict, new counts) waits this long after the previous write. */
export const STATUS_COALESCE_MS = 30_000;
/** How long an apply is trusted while the informer cache has not caught up with it. */
export const CACHE_LAG_TOLERANCE_MS = 10_000;

export class ClusterReconciler {
  private readonly recentWrites: RecentWrites;
  private readonly statusWrites = new Map<string, { status: AtomixClusterStatus; at: number }>();

  constructor(private readonly deps: ReconcileDeps) {
    this.recentWrites = new RecentWrites(CACHE_LAG_TOLERANCE_MS);
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = splitKey(key);
    const cached = this.deps.clusters.get(namespace, name);
    // Deleted, or being deleted: the garbage collector removes the owned objects.
    if (!cached || cached.metadata.deletionTimestamp) {
      this.statusWrites.delete(key);
      return {};
    }
    const stored = { ...cached, status: this.knownStatus(key, cached) };
    const validated = validateCluster({ ...stored, apiVersion: API_VERSION, kind: KIND });
    if (!validated.ok) {
      const message = validated.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      const problem = { reason: 'InvalidSpec', message };
      return this.writeStatus(key, stored, invalidSpecStatus(stored, problem, this.deps.now()), [problem]);
    }
    const cluster = validated.cluster;
    const desired = renderCluster(cluster, this.deps.renderOptions);
    const changes = new Changes();
    const problems = [...(await this.applyAll(cluster, desired, changes)), ...(await this.pruneOrphans(cluster, desired, changes))];
    changes.report((reason, message) => this.deps.events.normal(cluster, reason, message));
    const outcome = await this.reportStatus(key, cluster, problems);
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
    const lagging = this.recentWrites.pendingFor(key, this.deps.now());
    return lagging !== undefined ? { requeueAfterMs: Math.min(outcome.requeueAfterMs ?? Infinity, lagging) } : outcome;
  }

  /**
   * Applies in two waves, each in parallel: first what the pods need (ConfigMaps,
   * Services, budgets), then the StatefulSets that start them.
   */
  private async applyAll(cluster: AtomixCluster, desired: KubeObject[], changes: Changes): Promise<Problem[]> {
    const waves = [desired.filter((o) => o.kind !== 'StatefulSet'), desired.filter((o) => o.kind === 'StatefulSet')];
    const problems: Problem[] = [];
    for (const wave of waves) {
      const outcomes = await Promise.all(wave.map((object) => this.applyOne(cluster, object)));
      for (const outcome of outcomes) {
        if (outcome.change) changes.add(outcome.change.reason, outcome.change.object);
        if (outcome.problem) problems.push(outcome.problem);
      }
    }
    return problems;
  }

  private async applyOne(cluster: AtomixCluster, desired: KubeObject): Promise<{ change?: Change; problem?: Problem }> {
    const { kind, metadata } = desired;
    const live = this.deps.owned.get(kind, metadata.namespace, metadata.name);
    const immutable = immutableChange(desired, live);
    if (immutable) return { problem: immutable };
    // The stamped hash catches fields the renderer stopped setting, which a subset check cannot see.
    if (!needsApply(withAppliedHash(desired), live)) return {};
    const writeKey = `${clusterKey(cluster)}|${kind}/${metadata.name}`;
    if (this.recentWrites.covers(writeKey, desired, this.deps.now())) return {};
    try {
      await this.deps.writer.apply(desired, live);
      this.recentWrites.record(writeKey, desired, this.deps.now());
      return { change: { reason: live ? 'Updated' : 'Created', object: `${kind} ${metadata.name}` } };
    } catch (error) {
      const message = `applying ${kind} ${metadata.name} failed: ${errorMessage(error)}`;
      this.deps.events.warning(cluster, 'ApplyFailed', message);
      return { problem: { reason: 'ApplyFailed', message } };
    }
  }

  /** Deletes what this cluster owns but no longer wants: a removed group or benchmark. */
  private async pruneOrphans(cluster: AtomixCluster, desired: KubeObject[], changes: Changes): Promise<Problem[]> {
    const wanted = new Set(desired.map((o) => `${o.kind}/${o.metadata.name}`));
    const orphans = this.deps.owned
      .ownedBy(cluster.metadata.uid ?? '')
      .filter((o) => !wanted.has(`${o.kind}/${o.metadata?.name}`));
    const problems: Problem[] = [];
    for (const orphan of orphans) {
      const label = `${orphan.kind} ${orphan.metadata?.name}`;
      const writeKey = `${clusterKey(cluster)}|delete ${label}`;
      if (this.recentWrites.covers(writeKey, orphan.metadata?.uid, this.deps.now())) continue;
      try {
        await this.deps.writer.remove(orphan);
        this.recentWrites.record(writeKey, orphan.metadata?.uid, this.deps.now());
        changes.add('Deleted', label);
      } catch (error) {
        const message = `deleting ${label} failed: ${errorMessage(error)}`;
        this.deps.events.warning(cluster, 'DeleteFailed', message);
        problems.push({ reason: 'DeleteFailed', message });
      }
    }
    return problems;
  }

  /**
   * Writes the status when it changed. A change of verdict (a condition flips or
   * changes reason, or a new generation) is written at once; mere progress (counts, messages) at most
   * every STATUS_COALESCE_MS, so a starting cluster costs two status writes, not one per pod.
   */
  private reportStatus(key: string, cluster: AtomixCluster, problems: Problem[]): Promise<ReconcileOutcome> {
    const status = computeStatus(cluster, (name) => this.statefulSet(cluster, name), problems, this.deps.now());
    return this.writeStatus(key, cluster, status, problems);
  }

  private async writeStatus(key: string, cluster: AtomixCluster, status: AtomixClusterStatus, problems: Problem[]): Promise<ReconcileOutcome> {
    const now = this.deps.now();
    if (isSameStatus(cluster.status, status)) return {};
    const sinceLastWrite = now.getTime() - (this.statusWrites.get(key)?.at ?? -Infinity);
    // A new generation is news too: the status must say the spec change was seen.
    const progressOnly =
      cluster.status !== undefined &&
      cluster.status.observedGeneration === status.observedGeneration &&
      sameVerdict(cluster.status.conditions, status.conditions);
    if (progressOnly && sinceLastWrite < STATUS_COALESCE_MS) return { requeueAfterMs: STATUS_COALESCE_MS - sinceLastWrite };
    await this.deps.writer.writeStatus(cluster, status);
    this.statusWrites.set(key, { status, at: now.getTime() });
    if (problems.length > 0 && !sameVerdict(cluster.status?.conditions, status.conditions)) {
      this.deps.events.warning(cluster, problems[0]!.reason, problems.map((p) => p.message).join('; '));
    }
    return {};
  }

  /** The status this operator just wrote, while the cache may not show it yet; then the cached one. */
  private knownStatus(key: string, cached: AtomixCluster): AtomixClusterStatus | undefined {
    const written = this.statusWrites.get(key);
    const fresh = written && this.deps.now().getTime() - written.at < CACHE_LAG_TOLERANCE_MS;
    return fresh ? written.status : cached.status;
  }

  private statefulSet(cluster: AtomixCluster, name: string): ObservedStatefulSet | undefined {
    return this.deps.owned.get('StatefulSet', cluster.metadata.namespace ?? '', name);
  }
}

type ChangeReason = 'Created' | 'Updated' | 'Deleted';

interface Change {
  reason: ChangeReason;
  object: string;
}

/** What one pass changed, reported as one Event per kind of change rather than one per object. */
class Changes {
  private readonly byReason = new Map<ChangeReason, string[]>();

  add(reason: ChangeReason, object: string): void {
    this.byReason.set(reason, [...(this.byReason.get(reason) ?? []), object]);
  }

  report(emit: (reason: string, message: string) => void): void {
    for (const [reason, objects] of this.byReason) emit(reason, `${reason.toLowerCase()} ${objects.join(', ')}`);
  }
}

/**
 * A StatefulSet's volumeClaimTemplates cannot change after creation: the API
 * server would reject the apply. Say so plainly instead, and leave that
 * StatefulSet as it is.
 */
function immutableChange(desired: KubeObject, live: KubernetesObject | undefined): Problem | undefined {
  if (desired.kind !== 'StatefulSet' || !live) return undefined;
  const claims = (object: unknown) => ({ metadata: {}, spec: { volumeClaimTemplates: (object as { spec?: { volumeClaimTemplates?: unknown } }).spec?.volumeClaimTemplates ?? [] } });
  if (!needsApply(claims(desired), claims(live))) return undefined;
  return {
    reason: 'StorageImmutable',
    message:
      `StatefulSet ${desired.metadata.name}: storage size and className cannot change on an existing group ` +
      '(StatefulSet volumeClaimTemplates are immutable); restore the previous storage, or remove the group and add it again under a new name',
  };
}

function isSameStatus(previous: AtomixCluster['status'], next: NonNullable<AtomixCluster['status']>): boolean {
  return JSON.stringify(canonical(previous ?? {})) === JSON.stringify(canonical(next));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, canonical(v)]),
  );
}

export function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

const clusterKey = (cluster: AtomixCluster) => `${cluster.metadata.namespace}/${cluster.metadata.name}`;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
