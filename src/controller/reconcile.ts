// Reconcile one AtomixCluster: a short list of steps, each small, run in order.
// Level-based: every pass recomputes the whole desired state from the cluster,
// compares it with the informer caches and writes only what differs, and only to
// objects this cluster controls. The pass ends in a classified outcome (outcome.ts).
import type { CoreV1Event, KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { AtomixCluster, AtomixClusterStatus } from '../api/schema.js';
import { API_VERSION, KIND } from '../api/group.js';
import { validateCluster } from '../api/validate.js';
import { planCluster, renderCluster, type KubeObject, type RenderOptions } from '../render/index.js';
import { isAppliedFrom } from '../kube/hash.js';
import type { CreateResult } from '../kube/apply.js';
import type { ReconcileResult } from '../kube/workers.js';
import { Changes } from './changes.js';
import { ObjectSync } from './object-sync.js';
import { classify, DONE, toReconcileResult, type PassOutcome } from './outcome.js';
import { NamespaceGone, startPass, type Pass } from './pass.js';
import { computeStatus, invalidSpecStatus, type ObservedStatefulSet, type Problem } from './status.js';
import { isControlledBy } from './ownership.js';
import { refusedChangeProblem, type RunningObjects } from './refused-changes.js';
import { StatusReport } from './status-report.js';
import { podCreationProblems } from './pod-creation.js';
import { isPaused, pausedStatus } from './pause.js';
import { withGrowthProgress } from './storage-growth.js';
import { RolloutRunner, type RolloutDeps, type RolloutStatefulSet } from './rollout-runner.js';

export interface ReconcileDeps {
  readonly clusters: { get(namespace: string, name: string): AtomixCluster | undefined };
  readonly owned: {
    /** The cached object of an owned kind, if any (the caches hold only objects labelled as the operator's). */
    get(kind: string, namespace: string, name: string): KubernetesObject | undefined;
    /** Every cached object whose controller owner has this uid. */
    ownedBy(uid: string): KubernetesObject[];
  };
  /** The StatefulSet controller's cached Events about a StatefulSet (pod-creation.ts). */
  readonly statefulSetEvents: (namespace: string, statefulSet: string) => readonly CoreV1Event[];
  readonly writer: {
    /** Creates `desired` unless an object of its name exists, which is left untouched. */
    create(desired: KubeObject): Promise<CreateResult>;
    /** Server-side applies `desired` onto `live`, and only onto that object (its uid is a precondition). */
    update(desired: KubeObject, live: KubernetesObject): Promise<KubernetesObject>;
    /** Reads an object from the API server (managedFields included); undefined when there is none. */
    read(kind: string, namespace: string, name: string): Promise<KubernetesObject | undefined>;
    /** Deletes `object`, and only that object (its uid is a precondition); Orphan keeps its dependents (a StatefulSet's pods). */
    remove(object: KubernetesObject, propagation?: 'Background' | 'Orphan'): Promise<void>;
    /** Reads a PersistentVolumeClaim; undefined when there is none. */
    readClaim(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined>;
    /** Asks for a larger claim (the storage driver grows it; the API server refuses when its class cannot). */
    resizeClaim(claim: V1PersistentVolumeClaim, size: string): Promise<void>;
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
  /** The members' pods, their deletion and the write probe: what operator-driven rollouts need. */
  readonly rollout: Pick<RolloutDeps, 'pods' | 'deletePod' | 'prober' | 'stuckAfterMs'>;
}

/** A write the caches have not shown within this time is no longer trusted (a safety net: their watch events normally come within a second). */
export const MAX_CACHE_LAG_MS = 30_000;
/** How long a namespace found terminating or gone stays skipped before it is looked at again. */
const NAMESPACE_GONE_MS = 60_000;

export class ClusterReconciler {
  private readonly objects: ObjectSync;
  private readonly status: StatusReport;
  private readonly rollouts: RolloutRunner;
  /** Namespace → until when it is skipped. */
  private readonly goneNamespaces = new Map<string, number>();

  constructor(private readonly deps: ReconcileDeps) {
    this.objects = new ObjectSync(deps, MAX_CACHE_LAG_MS);
    this.status = new StatusReport(deps, MAX_CACHE_LAG_MS);
    this.rollouts = new RolloutRunner({ ...deps.rollout, events: deps.events, now: deps.now });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    return toReconcileResult(await this.pass(key));
  }

  /** Clusters that want the name of `object` and found it taken: they get a pass when it goes. */
  clustersWaitingFor(object: KubernetesObject): string[] {
    return this.objects.clustersWaitingFor(object);
  }

  private async pass(key: string): Promise<PassOutcome> {
    const [namespace, name] = splitKey(key);
    const cached = this.deps.clusters.get(namespace, name);
    // Deleted, or being deleted: the garbage collector removes the owned objects.
    if (!cached || cached.metadata.deletionTimestamp) {
      this.forget(key);
      return DONE;
    }
    if ((this.goneNamespaces.get(namespace) ?? 0) > this.deps.now().getTime()) return DONE;
    try {
      return await this.reconcileCluster(startPass(key, { ...cached, status: this.status.knownStatus(key, cached) }, this.deps.namespaceGone));
    } catch (error) {
      if (!(error instanceof NamespaceGone)) throw error;
      this.goneNamespaces.set(namespace, this.deps.now().getTime() + NAMESPACE_GONE_MS);
      return DONE;
    }
  }

  private async reconcileCluster(pass: Pass): Promise<PassOutcome> {
    if (isPaused(pass.cluster)) {
      await this.status.write(pass, pausedStatus(pass.cluster, this.deps.now()), []);
      return DONE;
    }
    const validated = validateCluster({ ...pass.cluster, apiVersion: API_VERSION, kind: KIND });
    if (!validated.ok) {
      const message = validated.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return this.refuse(pass, { reason: 'InvalidSpec', message, terminal: true });
    }
    const cluster = validated.cluster;
    const valid = { ...pass, cluster };
    const desired = renderCluster(cluster, this.deps.renderOptions);
    const refused = refusedChangeProblem(cluster, desired, this.runningObjects(cluster));
    if (refused) return this.refuse(valid, refused);
    const synced = await this.objects.sync(valid, desired);
    const changes = new Changes();
    for (const change of synced.changes) changes.add(change);
    changes.report((reason, message) => this.deps.events.normal(cluster, reason, message));
    const plan = planCluster(cluster, this.deps.renderOptions);
    const lookup = (statefulSet: string) => this.statefulSet(cluster, statefulSet);
    const namespace = cluster.metadata.namespace ?? '';
    const rollout = await this.rollouts.step(valid, plan, this.appliedStatefulSet(cluster, desired));
    const problems = [...synced.problems, ...podCreationProblems(plan, lookup, (name) => this.deps.statefulSetEvents(namespace, name)), ...rollout.problems];
    const now = this.deps.now();
    const status = withGrowthProgress(computeStatus(cluster, plan, lookup, problems, now, rollout), cluster.status?.conditions, synced.progress, now);
    const requeue = await this.status.write(valid, status, problems);
    return classify(problems, [synced.requeueAfterMs, rollout.requeueAfterMs, requeue]);
  }

  /** A spec nothing may be done for: its status says why, and nothing else is written until the spec changes. */
  private async refuse(pass: Pass, problem: Problem): Promise<PassOutcome> {
    const requeue = await this.status.write(pass, invalidSpecStatus(pass.cluster, problem, this.deps.now()), [problem]);
    return classify([problem], [requeue]);
  }

  private runningObjects(cluster: AtomixCluster): RunningObjects {
    const namespace = cluster.metadata.namespace ?? '';
    return {
      live: (kind, name) => {
        const live = this.deps.owned.get(kind, namespace, name);
        // One being deleted (a removed group, storage growth's orphaning delete) is not what the cluster runs next.
        return live && isControlledBy(live, cluster.metadata.uid) && !live.metadata?.deletionTimestamp ? live : undefined;
      },
      pods: this.deps.rollout.pods(namespace, cluster.metadata.name),
    };
  }

  /**
   * The rollout's view of a StatefulSet: none until the cache shows it applied from the desired
   * template. Right after an apply the cache may still hold the old object, which its controller
   * has observed: its members would look up to date, and a full restart would stop only the
   * groups whose StatefulSets the cache already shows changed.
   */
  private appliedStatefulSet(cluster: AtomixCluster, desired: readonly KubeObject[]) {
    return (name: string): RolloutStatefulSet | undefined => {
      const live = this.statefulSet(cluster, name);
      const wanted = desired.find((object) => object.kind === 'StatefulSet' && object.metadata.name === name);
      return live && wanted && isAppliedFrom(live, wanted) ? live : undefined;
    };
  }

  private statefulSet(cluster: AtomixCluster, name: string): (ObservedStatefulSet & RolloutStatefulSet) | undefined {
    return this.deps.owned.get('StatefulSet', cluster.metadata.namespace ?? '', name);
  }

  private forget(key: string): void {
    this.status.forget(key);
    this.rollouts.forget(key);
    this.objects.forget(key);
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
