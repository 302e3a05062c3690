// Reconcile one AtomixCluster: a short list of steps, each small, run in order.
// Level-based: every pass recomputes the whole desired state from the cluster,
// compares it with the informer caches and writes only what differs, and only to
// objects this cluster controls.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AtomixCluster, AtomixClusterStatus } from '../api/schema.js';
import { API_VERSION, KIND } from '../api/group.js';
import { validateCluster } from '../api/validate.js';
import { isKind, renderCluster, type KubeObject, type RenderOptions } from '../render/index.js';
import { APPLIED_HASH_ANNOTATION, isUidPreconditionFailure, needsApply, withAppliedHash, type CreateResult } from '../kube/apply.js';
import { isNamespaceGone } from '../kube/errors.js';
import { computeStatus, invalidSpecStatus, type ObservedStatefulSet, type Problem } from './status.js';
import { sameVerdict } from './conditions.js';
import { WriteTracker } from './write-tracker.js';
import { ExternalEdits } from './external-edits.js';
import { holderOf, isControlledBy, latestOtherManager, NAME_CONFLICT, nameConflict } from './ownership.js';

export interface ReconcileDeps {
  readonly clusters: { get(namespace: string, name: string): AtomixCluster | undefined };
  readonly owned: {
    /** The cached object of an owned kind, if any (the caches hold only objects labelled as the operator's). */
    get(kind: string, namespace: string, name: string): KubernetesObject | undefined;
    /** Every cached object whose controller owner has this uid. */
    ownedBy(uid: string): KubernetesObject[];
  };
  readonly writer: {
    /** Creates `desired` unless an object of its name exists, which is left untouched. */
    create(desired: KubeObject): Promise<CreateResult>;
    /** Server-side applies `desired` onto `live`, and only onto that object (its uid is a precondition). */
    update(desired: KubeObject, live: KubernetesObject): Promise<KubernetesObject>;
    /** Reads an object from the API server (managedFields included); undefined when there is none. */
    read(kind: string, namespace: string, name: string): Promise<KubernetesObject | undefined>;
    /** Deletes `object`, and only that object (its uid is a precondition). */
    remove(object: KubernetesObject): Promise<void>;
    writeStatus(cluster: AtomixCluster, status: AtomixClusterStatus): Promise<{ resourceVersion?: string | undefined }>;
  };
  /** Whether a namespace is being deleted or is gone; nothing created there would last. */
  readonly namespaceGone: (namespace: string) => Promise<boolean>;
  readonly events: {
    normal(cluster: AtomixCluster, reason: string, message: string): void;
    warning(cluster: AtomixCluster, reason: string, message: string): void;
  };
  /** The operator's field manager, to tell its own changes from other managers' in managedFields. */
  readonly fieldManager: string;
  readonly now: () => Date;
  readonly renderOptions: RenderOptions;
}

export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

/** A status that only reports progress (same verdict, new counts) waits this long after the previous write. */
export const STATUS_COALESCE_MS = 30_000;
/** A write the caches have not shown within this time is no longer trusted (a safety net: their watch events normally come within a second). */
export const MAX_CACHE_LAG_MS = 30_000;
/** An object in the way is looked at again this often, so the name is taken soon after it is gone. */
export const NAME_CONFLICT_RECHECK_MS = 30_000;
/** How long a namespace found terminating or gone stays skipped before it is looked at again. */
export const NAMESPACE_GONE_MS = 60_000;

interface StatusWrite {
  readonly status: AtomixClusterStatus;
  /** The cluster's resourceVersion before and after the write. */
  readonly replaced: string | undefined;
  readonly written: string | undefined;
  readonly at: number;
}

/** Passes that only need another look soon (an object changed under a write) come back after this. */
const RETRY_SOON_MS = 1_000;

/** The namespace is being deleted or is gone: the pass stops, writing nothing more. */
class NamespaceGone extends Error {}

interface ObjectOutcome {
  change?: Change;
  problem?: Problem;
  /** A request that writes was sent (even if the server refused it). */
  wrote?: boolean;
  retryInMs?: number;
}

/** One pass over one cluster: its identity, and the first-write guard for namespaces being deleted. */
interface Pass {
  readonly key: string;
  readonly cluster: AtomixCluster;
  /** Objects of this cluster's names held by someone else: `Kind/name`. */
  readonly conflicts: Set<string>;
  /** Runs a write; a namespace found gone on the way ends the pass. */
  write<T>(send: () => Promise<T>): Promise<T>;
}

export class ClusterReconciler {
  private readonly writes = new WriteTracker(MAX_CACHE_LAG_MS);
  private readonly externalEdits = new ExternalEdits();
  private readonly statusWrites = new Map<string, StatusWrite>();
  /** Namespace → until when it is skipped. */
  private readonly goneNamespaces = new Map<string, number>();
  /** `Kind/namespace/name` → keys of the clusters that want that name and found it taken. */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(private readonly deps: ReconcileDeps) {}

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = splitKey(key);
    const cached = this.deps.clusters.get(namespace, name);
    // Deleted, or being deleted: the garbage collector removes the owned objects.
    if (!cached || cached.metadata.deletionTimestamp) {
      this.forget(key);
      return {};
    }
    if ((this.goneNamespaces.get(namespace) ?? 0) > this.deps.now().getTime()) return {};
    try {
      return await this.reconcileCluster(key, cached);
    } catch (error) {
      if (!(error instanceof NamespaceGone)) throw error;
      this.goneNamespaces.set(namespace, this.deps.now().getTime() + NAMESPACE_GONE_MS);
      return {};
    }
  }

  /** Clusters that want the name of `object` and found it taken: they get a pass when it goes. */
  clustersWaitingFor(object: KubernetesObject): string[] {
    return [...(this.waiting.get(waitingKey(object.kind ?? '', object.metadata?.namespace ?? '', object.metadata?.name ?? '')) ?? [])];
  }

  private async reconcileCluster(key: string, cached: AtomixCluster): Promise<ReconcileOutcome> {
    const stored = { ...cached, status: this.knownStatus(key, cached) };
    const pass = this.startPass(key, stored);
    const validated = validateCluster({ ...stored, apiVersion: API_VERSION, kind: KIND });
    if (!validated.ok) {
      const message = validated.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      const problem = { reason: 'InvalidSpec', message };
      return this.writeStatus(pass, invalidSpecStatus(stored, problem, this.deps.now()), [problem]);
    }
    const cluster = validated.cluster;
    const valid = { ...pass, cluster };
    const desired = renderCluster(cluster, this.deps.renderOptions);
    const changes = new Changes();
    const applied = await this.applyAll(valid, desired, changes);
    const pruned = await this.pruneOrphans(valid, desired, changes);
    const problems = [...applied.problems, ...pruned];
    changes.report((reason, message) => this.deps.events.normal(cluster, reason, message));
    const outcome = await this.reportStatus(valid, problems);
    this.rememberConflicts(valid);
    const failures = problems.filter((p) => p.reason !== NAME_CONFLICT);
    if (failures.length > 0) throw new Error(failures.map((p) => p.message).join('; '));
    const retries = [
      outcome.requeueAfterMs,
      applied.retryInMs,
      this.writes.pendingFor(`${key}|`, this.deps.now()),
      pass.conflicts.size > 0 ? NAME_CONFLICT_RECHECK_MS : undefined,
    ].filter((ms): ms is number => ms !== undefined);
    return retries.length > 0 ? { requeueAfterMs: Math.min(...retries) } : {};
  }

  /**
   * The first write of a pass that only repairs (the cluster's spec has been seen) first asks
   * whether the namespace is being deleted: deleting a namespace deletes the owned objects one
   * kind after another, and putting them back would only be refused.
   */
  private startPass(key: string, cluster: AtomixCluster): Pass {
    const repairing = cluster.status?.observedGeneration !== undefined && cluster.status.observedGeneration === cluster.metadata.generation;
    let checked: Promise<void> | undefined;
    const namespace = cluster.metadata.namespace ?? '';
    const guard = () =>
      (checked ??= (repairing ? this.deps.namespaceGone(namespace) : Promise.resolve(false)).then((gone) => {
        if (gone) throw new NamespaceGone();
      }));
    return {
      key,
      cluster,
      conflicts: new Set(),
      write: async (send) => {
        await guard();
        try {
          return await send();
        } catch (error) {
          throw isNamespaceGone(error) ? new NamespaceGone() : error;
        }
      },
    };
  }

  /**
   * Applies in two waves: first what the pods need (ConfigMaps, Services, budgets), then the
   * StatefulSets that start them. Within a wave objects are written one at a time until one
   * write went through, then in parallel: in a namespace being deleted the first refusal ends the pass.
   */
  private async applyAll(pass: Pass, desired: KubeObject[], changes: Changes): Promise<{ problems: Problem[]; retryInMs?: number }> {
    const waves = [desired.filter((o) => o.kind !== 'StatefulSet'), desired.filter(isKind('StatefulSet'))];
    const outcomes: ObjectOutcome[] = [];
    for (const wave of waves) outcomes.push(...(await this.applyWave(pass, wave)));
    const retries = outcomes.map((o) => o.retryInMs).filter((ms): ms is number => ms !== undefined);
    for (const outcome of outcomes) if (outcome.change) changes.add(outcome.change.reason, outcome.change.object);
    return {
      problems: outcomes.flatMap((o) => (o.problem ? [o.problem] : [])),
      ...(retries.length > 0 ? { retryInMs: Math.min(...retries) } : {}),
    };
  }

  private async applyWave(pass: Pass, wave: KubeObject[]): Promise<ObjectOutcome[]> {
    const outcomes: ObjectOutcome[] = [];
    for (const [index, object] of wave.entries()) {
      const outcome = await this.applyOne(pass, object);
      outcomes.push(outcome);
      if (outcome.wrote) {
        outcomes.push(...(await Promise.all(wave.slice(index + 1).map((rest) => this.applyOne(pass, rest)))));
        break;
      }
    }
    return outcomes;
  }

  private async applyOne(pass: Pass, desired: KubeObject): Promise<ObjectOutcome> {
    const { kind, metadata } = desired;
    const blocker = this.blockedBy(pass, desired);
    if (blocker) return { problem: { reason: NAME_CONFLICT, message: `${kind} ${metadata.name} is not applied while ${blocker} is held by someone else` } };
    const live = this.deps.owned.get(kind, metadata.namespace, metadata.name);
    if (live) return this.applyToCached(pass, desired, live);
    const trackKey = writeKey(pass, desired);
    if (this.writes.inFlight(trackKey, undefined, this.deps.now())) return {};
    // A name found taken before is looked at first: creating over it again would be a refused write every pass.
    if (this.isWaiting(pass, desired)) {
      const found = await this.deps.writer.read(kind, metadata.namespace, metadata.name);
      if (found) return this.applyToUncached(pass, desired, found, false);
    }
    try {
      const result = await pass.write(() => this.deps.writer.create(desired));
      if (result.created) {
        this.writes.record(trackKey, undefined, result.object.metadata?.resourceVersion, this.deps.now());
        return { wrote: true, change: { reason: 'Created', object: `${kind} ${metadata.name}` } };
      }
    } catch (error) {
      return { wrote: true, ...this.applyFailed(pass, desired, error) };
    }
    // The name is taken by an object the cache does not show: not labelled as the operator's.
    const found = await this.deps.writer.read(kind, metadata.namespace, metadata.name);
    if (!found) return { wrote: true, retryInMs: RETRY_SOON_MS };
    return this.applyToUncached(pass, desired, found, true);
  }

  /** An object of the desired name that the caches do not show. */
  private async applyToUncached(pass: Pass, desired: KubeObject, found: KubernetesObject, wrote: boolean): Promise<ObjectOutcome> {
    if (!isControlledBy(found, pass.cluster.metadata.uid)) return { wrote, problem: this.conflict(pass, desired, holderOf(found)) };
    // Ours, with its labels edited away: the apply puts them back.
    return this.updated(desired, await this.update(pass, desired, found));
  }

  private async applyToCached(pass: Pass, desired: KubeObject, live: KubernetesObject): Promise<ObjectOutcome> {
    if (!isControlledBy(live, pass.cluster.metadata.uid)) return { problem: this.conflict(pass, desired, holderOf(live)) };
    // Being deleted (by hand, or by the garbage collector): its delete event brings the next pass.
    if (live.metadata?.deletionTimestamp) return {};
    if (this.writes.inFlight(writeKey(pass, desired), live.metadata?.resourceVersion, this.deps.now())) return {};
    const immutable = immutableChange(desired, live);
    if (immutable) return { problem: immutable };
    // The stamped hash catches fields the renderer stopped setting, which a subset check cannot see.
    const stamped = withAppliedHash(desired);
    if (!needsApply(stamped, live)) return {};
    if (appliedHashOf(live) === appliedHashOf(stamped)) {
      // The spec did not change, the object did: someone else edited it.
      const decision = this.externalEdits.onDrift(writeKey(pass, desired), this.deps.now());
      if (!decision.restore) return { retryInMs: decision.retryInMs };
      if (decision.escalated) await this.reportFight(pass, desired);
    }
    return this.updated(desired, await this.update(pass, desired, live));
  }

  private updated(desired: KubeObject, outcome: ObjectOutcome): ObjectOutcome {
    const changed = !outcome.problem && outcome.retryInMs === undefined;
    return { ...outcome, wrote: true, ...(changed ? { change: { reason: 'Updated', object: `${desired.kind} ${desired.metadata.name}` } } : {}) };
  }

  private async update(pass: Pass, desired: KubeObject, live: KubernetesObject): Promise<ObjectOutcome> {
    try {
      const written = await pass.write(() => this.deps.writer.update(desired, live));
      this.writes.record(writeKey(pass, desired), live.metadata?.resourceVersion, written.metadata?.resourceVersion, this.deps.now());
      return {};
    } catch (error) {
      // The object was deleted or replaced since it was read. Look again.
      if (isUidPreconditionFailure(error)) return { retryInMs: RETRY_SOON_MS };
      return this.applyFailed(pass, desired, error);
    }
  }

  private applyFailed(pass: Pass, desired: KubeObject, error: unknown): ObjectOutcome {
    if (error instanceof NamespaceGone) throw error;
    const message = `applying ${desired.kind} ${desired.metadata.name} failed: ${errorMessage(error)}`;
    this.deps.events.warning(pass.cluster, 'ApplyFailed', message);
    return { problem: { reason: 'ApplyFailed', message } };
  }

  /** One Warning Event per fight, naming the field manager that keeps changing the object. */
  private async reportFight(pass: Pass, desired: KubeObject): Promise<void> {
    const { kind, metadata } = desired;
    const current = await this.deps.writer.read(kind, metadata.namespace, metadata.name).catch(() => undefined);
    const manager = current ? latestOtherManager(current, this.deps.fieldManager) : undefined;
    this.deps.events.warning(
      pass.cluster,
      'ExternalChanges',
      `${kind} ${metadata.name} keeps being changed by ${manager ? `field manager "${manager}"` : 'another client'}; ` +
        'the operator restores it with a growing delay (up to 5 minutes). Change the AtomixCluster instead, or stop that client',
    );
  }

  private conflict(pass: Pass, desired: KubeObject, holder: string): Problem {
    pass.conflicts.add(`${desired.kind}/${desired.metadata.name}`);
    return nameConflict(desired.kind, desired.metadata.name, holder);
  }

  /** A StatefulSet whose ConfigMap or governing Service is someone else's would run pods on that object. */
  private blockedBy(pass: Pass, desired: KubeObject): string | undefined {
    if (!isKind('StatefulSet')(desired)) return undefined;
    const spec = desired.spec;
    const needs = [
      ...(spec?.serviceName ? [`Service/${spec.serviceName}`] : []),
      ...(spec?.template.spec?.volumes ?? []).flatMap((volume) => (volume.configMap?.name ? [`ConfigMap/${volume.configMap.name}`] : [])),
    ];
    return needs.find((need) => pass.conflicts.has(need))?.replace('/', ' ');
  }

  private isWaiting(pass: Pass, desired: KubeObject): boolean {
    return this.waiting.get(waitingKey(desired.kind, desired.metadata.namespace, desired.metadata.name))?.has(pass.key) ?? false;
  }

  /** Records which names this cluster waits for, so their deletion brings it a pass. */
  private rememberConflicts(pass: Pass): void {
    const namespace = pass.cluster.metadata.namespace ?? '';
    this.stopWaiting(pass.key);
    for (const conflict of pass.conflicts) {
      const [kind = '', name = ''] = conflict.split('/');
      const objectKey = waitingKey(kind, namespace, name);
      this.waiting.set(objectKey, (this.waiting.get(objectKey) ?? new Set()).add(pass.key));
    }
  }

  /** Deletes what this cluster owns but no longer wants: a removed group or benchmark. */
  private async pruneOrphans(pass: Pass, desired: KubeObject[], changes: Changes): Promise<Problem[]> {
    const wanted = new Set(desired.map((o) => `${o.kind}/${o.metadata.name}`));
    const orphans = this.deps.owned
      .ownedBy(pass.cluster.metadata.uid ?? '')
      .filter((o) => !wanted.has(`${o.kind}/${o.metadata?.name}`) && !o.metadata?.deletionTimestamp);
    const problems: Problem[] = [];
    for (const orphan of orphans) {
      const label = `${orphan.kind} ${orphan.metadata?.name}`;
      const trackKey = `${pass.key}|delete ${label}`;
      if (this.writes.inFlight(trackKey, orphan.metadata?.resourceVersion, this.deps.now())) continue;
      try {
        await pass.write(() => this.deps.writer.remove(orphan));
        this.writes.record(trackKey, orphan.metadata?.resourceVersion, undefined, this.deps.now());
        changes.add('Deleted', label);
      } catch (error) {
        if (error instanceof NamespaceGone) throw error;
        const message = `deleting ${label} failed: ${errorMessage(error)}`;
        this.deps.events.warning(pass.cluster, 'DeleteFailed', message);
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
  private reportStatus(pass: Pass, problems: Problem[]): Promise<ReconcileOutcome> {
    const { cluster } = pass;
    const status = computeStatus(cluster, (name) => this.statefulSet(cluster, name), problems, this.deps.now());
    return this.writeStatus(pass, status, problems);
  }

  private async writeStatus(pass: Pass, status: AtomixClusterStatus, problems: Problem[]): Promise<ReconcileOutcome> {
    const { cluster, key } = pass;
    const now = this.deps.now();
    if (isSameStatus(cluster.status, status)) return {};
    const sinceLastWrite = now.getTime() - (this.statusWrites.get(key)?.at ?? -Infinity);
    // A new generation is news too: the status must say the spec change was seen.
    const progressOnly =
      cluster.status !== undefined &&
      cluster.status.observedGeneration === status.observedGeneration &&
      sameVerdict(cluster.status.conditions, status.conditions);
    if (progressOnly && sinceLastWrite < STATUS_COALESCE_MS) return { requeueAfterMs: STATUS_COALESCE_MS - sinceLastWrite };
    const written = await pass.write(() => this.deps.writer.writeStatus(cluster, status));
    this.statusWrites.set(key, { status, replaced: cluster.metadata.resourceVersion, written: written.resourceVersion, at: now.getTime() });
    if (problems.length > 0 && !sameVerdict(cluster.status?.conditions, status.conditions)) {
      this.deps.events.warning(cluster, problems[0]!.reason, problems.map((p) => p.message).join('; '));
    }
    return {};
  }

  /** The status this operator just wrote, while the cache still shows the cluster as it was before; then the cached one. */
  private knownStatus(key: string, cached: AtomixCluster): AtomixClusterStatus | undefined {
    const write = this.statusWrites.get(key);
    const lagging =
      write !== undefined &&
      write.written !== write.replaced &&
      write.replaced === cached.metadata.resourceVersion &&
      this.deps.now().getTime() - write.at < MAX_CACHE_LAG_MS;
    return lagging ? write.status : cached.status;
  }

  private statefulSet(cluster: AtomixCluster, name: string): ObservedStatefulSet | undefined {
    return this.deps.owned.get('StatefulSet', cluster.metadata.namespace ?? '', name);
  }

  private forget(key: string): void {
    this.statusWrites.delete(key);
    this.writes.forget(`${key}|`);
    this.externalEdits.forget(`${key}|`);
    this.stopWaiting(key);
  }

  private stopWaiting(clusterKey: string): void {
    for (const [objectKey, clusters] of this.waiting) {
      clusters.delete(clusterKey);
      if (clusters.size === 0) this.waiting.delete(objectKey);
    }
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

function appliedHashOf(object: KubernetesObject): string | undefined {
  return object.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
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

const writeKey = (pass: Pass, object: KubeObject) => `${pass.key}|${object.kind}/${object.metadata.name}`;
const waitingKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
