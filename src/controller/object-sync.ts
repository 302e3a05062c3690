// Bringing the owned objects to the desired state, touching only objects the cluster controls:
// missing ones created (never over an existing object), drifted ones applied onto the object
// inspected, orphans deleted; names held by someone else reported as NameConflict and looked at
// again when they may be free; the operator's own writes told from other clients' by
// resourceVersion, and a client that keeps editing answered with a growing delay.
import type { KubernetesObject } from '@kubernetes/client-node';
import { isKind, type KubeObject } from '../render/index.js';
import { isUidPreconditionFailure } from '../kube/apply.js';
import { needsApply } from '../kube/diff.js';
import { APPLIED_HASH_ANNOTATION, withAppliedHash } from '../kube/hash.js';
import type { Change } from './changes.js';
import { ExternalEdits } from './external-edits.js';
import { StorageGrowth } from './storage-growth.js';
import { holderOf, isControlledBy, latestOtherManager, NAME_CONFLICT, nameConflict } from './ownership.js';
import { rethrowNamespaceGone, type Pass } from './pass.js';
import type { ReconcileDeps } from './reconcile.js';
import type { Problem } from './status.js';
import { WriteTracker } from './write-tracker.js';

/** An object in the way is looked at again this often, so the name is taken soon after it is gone. */
export const NAME_CONFLICT_RECHECK_MS = 30_000;
/** Passes that only need another look soon (an object changed under a write) come back after this. */
const RETRY_SOON_MS = 1_000;

/** What syncing the objects found: changes to report, problems, and when to look again. */
export interface SyncReport {
  readonly changes: Change[];
  readonly problems: Problem[];
  /** Work in progress that no StatefulSet status shows (storage growth), for Progressing. */
  readonly progress: string[];
  readonly requeueAfterMs?: number;
}

interface ObjectOutcome {
  change?: Change;
  problem?: Problem;
  progress?: string;
  /** A request that writes was sent (even if the server refused it). */
  wrote?: boolean;
  retryInMs?: number;
}

export class ObjectSync {
  private readonly writes: WriteTracker;
  private readonly externalEdits = new ExternalEdits();
  private readonly storage: StorageGrowth;
  /** `Kind/namespace/name` → keys of the clusters that want that name and found it taken. */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(
    private readonly deps: Pick<ReconcileDeps, 'owned' | 'writer' | 'events' | 'fieldManager' | 'now'>,
    maxCacheLagMs: number,
  ) {
    this.writes = new WriteTracker(maxCacheLagMs);
    this.storage = new StorageGrowth(deps);
  }

  /** Applies what differs, then deletes what the cluster owns but no longer wants. */
  async sync(pass: Pass, desired: KubeObject[]): Promise<SyncReport> {
    const applied = await this.applyAll(pass, desired);
    const pruned = await this.pruneOrphans(pass, desired);
    this.rememberConflicts(pass);
    const outcomes = [...applied, ...pruned];
    const retries = [
      ...outcomes.map((o) => o.retryInMs),
      this.writes.pendingFor(`${pass.key}|`, this.deps.now()),
      pass.conflicts.size > 0 ? NAME_CONFLICT_RECHECK_MS : undefined,
    ].filter((ms): ms is number => ms !== undefined);
    return {
      changes: outcomes.flatMap((o) => (o.change ? [o.change] : [])),
      problems: outcomes.flatMap((o) => (o.problem ? [o.problem] : [])),
      progress: outcomes.flatMap((o) => (o.progress ? [o.progress] : [])),
      ...(retries.length > 0 ? { requeueAfterMs: Math.min(...retries) } : {}),
    };
  }

  /** Clusters that want the name of `object` and found it taken: they get a pass when it goes. */
  clustersWaitingFor(object: KubernetesObject): string[] {
    return [...(this.waiting.get(waitingKey(object.kind ?? '', object.metadata?.namespace ?? '', object.metadata?.name ?? '')) ?? [])];
  }

  forget(key: string): void {
    this.writes.forget(`${key}|`);
    this.externalEdits.forget(`${key}|`);
    this.stopWaiting(key);
  }

  /**
   * Applies in two waves: first what the pods need (ConfigMaps, Services, budgets), then the
   * StatefulSets that start them. Within a wave objects are written one at a time until one
   * write went through, then in parallel: in a namespace being deleted the first refusal ends the pass.
   */
  private async applyAll(pass: Pass, desired: KubeObject[]): Promise<ObjectOutcome[]> {
    const waves = [desired.filter((o) => o.kind !== 'StatefulSet'), desired.filter(isKind('StatefulSet'))];
    const outcomes: ObjectOutcome[] = [];
    for (const wave of waves) outcomes.push(...(await this.applyWave(pass, wave)));
    return outcomes;
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
    const blocker = blockedBy(pass, desired);
    if (blocker) {
      return { problem: { reason: NAME_CONFLICT, message: `${kind} ${metadata.name} is not applied while ${blocker} is held by someone else`, terminal: true } };
    }
    const live = this.deps.owned.get(kind, metadata.namespace, metadata.name);
    if (live) return this.applyToCached(pass, desired, live);
    if (this.writes.inFlight(writeKey(pass, desired), undefined, this.deps.now())) return {};
    // A name found taken before is looked at first: creating over it again would be a refused write every pass.
    if (this.isWaiting(pass, desired)) {
      const found = await this.deps.writer.read(kind, metadata.namespace, metadata.name);
      if (found) return this.applyToUncached(pass, desired, found, false);
    }
    try {
      const result = await pass.write(() => this.deps.writer.create(desired));
      if (result.created) {
        this.writes.record(writeKey(pass, desired), undefined, result.object.metadata?.resourceVersion, this.deps.now());
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
    const growth = await this.storage.step(pass, desired, live);
    if (growth) return growth;
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
    rethrowNamespaceGone(error);
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

  private stopWaiting(clusterKey: string): void {
    for (const [objectKey, clusters] of this.waiting) {
      clusters.delete(clusterKey);
      if (clusters.size === 0) this.waiting.delete(objectKey);
    }
  }

  /** Deletes what this cluster owns but no longer wants: a removed group or benchmark. */
  private async pruneOrphans(pass: Pass, desired: KubeObject[]): Promise<ObjectOutcome[]> {
    const wanted = new Set(desired.map((o) => `${o.kind}/${o.metadata.name}`));
    const orphans = this.deps.owned
      .ownedBy(pass.cluster.metadata.uid ?? '')
      .filter((o) => !wanted.has(`${o.kind ?? ''}/${o.metadata?.name ?? ''}`) && !o.metadata?.deletionTimestamp);
    const outcomes: ObjectOutcome[] = [];
    for (const orphan of orphans) {
      const label = `${orphan.kind ?? ''} ${orphan.metadata?.name ?? ''}`;
      const trackKey = `${pass.key}|delete ${label}`;
      if (this.writes.inFlight(trackKey, orphan.metadata?.resourceVersion, this.deps.now())) continue;
      try {
        await pass.write(() => this.deps.writer.remove(orphan));
        this.writes.record(trackKey, orphan.metadata?.resourceVersion, undefined, this.deps.now());
        outcomes.push({ change: { reason: 'Deleted', object: label } });
      } catch (error) {
        rethrowNamespaceGone(error);
        const message = `deleting ${label} failed: ${errorMessage(error)}`;
        this.deps.events.warning(pass.cluster, 'DeleteFailed', message);
        outcomes.push({ problem: { reason: 'DeleteFailed', message } });
      }
    }
    return outcomes;
  }
}

/** A StatefulSet whose ConfigMap or governing Service is someone else's would run pods on that object. */
function blockedBy(pass: Pass, desired: KubeObject): string | undefined {
  if (!isKind('StatefulSet')(desired)) return undefined;
  const spec = desired.spec;
  const needs = [
    ...(spec?.serviceName ? [`Service/${spec.serviceName}`] : []),
    ...(spec?.template.spec?.volumes ?? []).flatMap((volume) => (volume.configMap?.name ? [`ConfigMap/${volume.configMap.name}`] : [])),
  ];
  return needs.find((need) => pass.conflicts.has(need))?.replace('/', ' ');
}

function appliedHashOf(object: KubernetesObject): string | undefined {
  return object.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
}

const writeKey = (pass: Pass, object: KubeObject) => `${pass.key}|${object.kind}/${object.metadata.name}`;
const waitingKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
