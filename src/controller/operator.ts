// The running operator: informers for AtomixClusters and every owned kind, one
// work queue keyed by cluster, worker loops around the ClusterReconciler, and the
// glue that turns reconcile decisions into API requests and Events.
import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AtomixCluster } from '../api/schema.js';
import { Informer, type InformerOptions, type ListWatchTransport } from '../kube/informer.js';
import { WorkQueue } from '../kube/work-queue.js';
import { runWorkers } from '../kube/workers.js';
import { EventRecorder } from '../kube/events.js';
import { byControllerUid, objectKey } from '../kube/store.js';
import { resources, type ResourceType } from '../kube/resources.js';
import type { OperatorMetrics } from '../kube/metrics.js';
import { DEFAULT_RENDER_OPTIONS, type RenderOptions } from '../render/index.js';
import { ClusterReconciler, type ReconcileDeps } from './reconcile.js';
import { controllingClusterKey, OWNED_KINDS, OWNED_SELECTOR, podClusterKey, SERVER_POD_SELECTOR } from './owned-kinds.js';
import { ObjectWriter, type WriterClient } from './object-writer.js';
import { byStatefulSet, STATEFULSET_EVENTS_SELECTOR } from './pod-creation.js';
import { AtomixRestProber, type GroupProber } from './group-probe.js';
import { DEFAULT_STUCK_AFTER_MS } from './rollout-runner.js';
import { HEALTH_PROBE_INTERVAL_MS } from './group-health.js';
import type { V1Pod } from '@kubernetes/client-node';

const FIELD_MANAGER = 'atomix-operator';
const CONTROLLER_INDEX = 'controller';
const STATEFULSET_INDEX = 'statefulSet';
const CLUSTER_INDEX = 'cluster';

/** What the operator asks the API server: lists and watches for its caches, and requests (KubeClient; an in-memory API in unit tests). */
export type OperatorClient = ListWatchTransport & WriterClient;

export interface OperatorOptions {
  readonly client: OperatorClient;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  /** Namespaces to watch; empty or undefined: all namespaces. */
  readonly namespaces?: readonly string[];
  readonly concurrency?: number;
  /** Every cluster is reconciled again this often even without events: a safety net, free when nothing changed. */
  readonly resyncMs?: number;
  readonly renderOptions?: RenderOptions;
  /** Identifies this process in Events. */
  readonly instance?: string;
  /** Passed to the informers, e.g. a shorter watch timeout in tests. */
  readonly watchTimeoutSeconds?: number;
  readonly rollout?: {
    /** Whether a group takes writes; default: through the Atomix REST API of its members. Simulated pods need readinessProber. */
    readonly prober?: GroupProber;
    /** A replaced member not Ready within this time stops the roll (default 10 minutes). */
    readonly stuckAfterMs?: number;
  };
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_RESYNC_MS = 10 * 60_000;

export class Operator {
  readonly queue: WorkQueue;
  private readonly clusters: Informer<AtomixCluster & KubernetesObject>;
  private readonly owned = new Map<string, Informer>();
  /** The StatefulSet controller's Events: how the operator learns that pods cannot be created. */
  private readonly statefulSetEvents: Informer<CoreV1Event & KubernetesObject>;
  private readonly pods: Informer<V1Pod & KubernetesObject>;
  private readonly events: EventRecorder;
  private readonly stopController = new AbortController();
  private workers: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private reconciler: ClusterReconciler | undefined;

  constructor(private readonly options: OperatorOptions) {
    const { client, metrics, log } = options;
    this.queue = new WorkQueue({ ...(metrics ? { metrics: metrics.workQueue('atomixcluster') } : {}) });
    const informer = <T extends KubernetesObject>(resource: ResourceType, extra: Pick<InformerOptions<T>, 'labelSelector' | 'fieldSelector' | 'indexers'> = {}) =>
      new Informer<T>({
        transport: client,
        resource,
        ...(options.namespaces?.length ? { namespaces: options.namespaces } : {}),
        ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
        ...extra,
        ...(metrics ? { metrics: metrics.informer(resource.plural) } : {}),
        onError: (error) => log.warn({ err: error, resource: resource.plural }, 'informer error; it retries'),
      });
    this.clusters = informer<AtomixCluster & KubernetesObject>(resources.atomixClusters);
    for (const kind of OWNED_KINDS) {
      this.owned.set(kind.kind, informer(kind, { labelSelector: OWNED_SELECTOR, indexers: { [CONTROLLER_INDEX]: byControllerUid } }));
    }
    this.statefulSetEvents = informer(resources.events, { fieldSelector: STATEFULSET_EVENTS_SELECTOR, indexers: { [STATEFULSET_INDEX]: byStatefulSet } });
    this.pods = informer<V1Pod & KubernetesObject>(resources.pods, {
      labelSelector: SERVER_POD_SELECTOR,
      indexers: { [CLUSTER_INDEX]: (pod) => [podClusterKey(pod) ?? ''] },
    });
    this.events = new EventRecorder({
      client,
      reportingController: 'agent.atomix.io/atomix-operator',
      reportingInstance: options.instance ?? 'atomix-operator',
      onError: (error) => log.warn({ err: error }, 'could not record an event'),
    });
  }

  /** Starts the informers, waits for their caches, then starts reconciling. */
  async start(): Promise<void> {
    const { log } = this.options;
    this.clusters.addHandler({
      onAdd: (cluster) => this.queue.add(objectKey(cluster)),
      onUpdate: (_before, cluster) => this.queue.add(objectKey(cluster)),
      onDelete: (cluster) => this.queue.add(objectKey(cluster)),
    });
    for (const informer of this.owned.values()) {
      const enqueueOwner = (object: KubernetesObject) => {
        const key = controllingClusterKey(object);
        if (key) this.queue.add(key);
      };
      // A cluster that found this name taken gets its pass as soon as the object is gone.
      const enqueueWaiting = (object: KubernetesObject) => {
        enqueueOwner(object);
        for (const key of this.reconciler?.clustersWaitingFor(object) ?? []) this.queue.add(key);
      };
      informer.addHandler({ onAdd: enqueueOwner, onUpdate: (_before, object) => enqueueOwner(object), onDelete: enqueueWaiting });
    }
    const enqueueStatefulSetOwner = (event: CoreV1Event) => {
      const statefulSet = this.owned.get('StatefulSet')?.store.get(event.metadata.namespace ?? '', event.involvedObject.name ?? '');
      const key = statefulSet && controllingClusterKey(statefulSet);
      if (key) this.queue.add(key);
    };
    this.statefulSetEvents.addHandler({ onAdd: enqueueStatefulSetOwner, onUpdate: (_before, event) => enqueueStatefulSetOwner(event) });
    const enqueueCluster = (pod: KubernetesObject) => {
      const key = podClusterKey(pod);
      if (key) this.queue.add(key);
    };
    // A member's readiness moves its group's roll on.
    this.pods.addHandler({ onAdd: enqueueCluster, onUpdate: (_before, pod) => enqueueCluster(pod), onDelete: enqueueCluster });
    const informers = [this.clusters, this.pods, ...this.owned.values(), this.statefulSetEvents];
    for (const informer of informers) informer.start();
    const synced = await Promise.all(informers.map((informer) => informer.waitForSync(this.stopController.signal)));
    if (!synced.every(Boolean)) return;
    log.info({ namespaces: this.options.namespaces?.length ? this.options.namespaces : 'all' }, 'caches synced; reconciling');
    const reconciler = new ClusterReconciler(this.reconcileDeps());
    this.reconciler = reconciler;
    this.workers = runWorkers(this.queue, this.options.concurrency ?? DEFAULT_CONCURRENCY, (key) => reconciler.reconcile(key), {
      signal: this.stopController.signal,
      onError: (key, error) => log.error({ cluster: key, err: error }, 'reconcile failed; retrying with backoff'),
      onBlocked: (key, reason) => log.warn({ cluster: key, reason }, 'reconcile blocked until the spec, or the object in the way, changes'),
      ...(this.options.metrics ? { metrics: this.options.metrics.reconciler('atomixcluster') } : {}),
    });
    this.resyncTimer = setInterval(() => this.resync(), this.options.resyncMs ?? DEFAULT_RESYNC_MS);
    this.resyncTimer.unref();
    // A pass probes the groups whose verdict is due: Quorate follows a group losing its quorum.
    this.healthTimer = setInterval(() => this.resync(), HEALTH_PROBE_INTERVAL_MS);
    this.healthTimer.unref();
  }

  /** True once every cache has synced (readiness). */
  ready(): boolean {
    return this.workers !== undefined;
  }

  /** Stops taking work, lets running reconciles finish, stops the informers. */
  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    clearInterval(this.healthTimer);
    this.stopController.abort();
    this.queue.shutDown();
    await this.workers;
    await this.events.flush();
    await Promise.all([this.clusters, this.pods, ...this.owned.values(), this.statefulSetEvents].map((informer) => informer.stop()));
  }

  private resync(): void {
    for (const key of this.clusters.store.keys()) this.queue.add(key);
  }

  private reconcileDeps(): ReconcileDeps {
    const writer = new ObjectWriter(this.options.client, FIELD_MANAGER, this.options.metrics);
    const record = (type: 'Normal' | 'Warning') => (cluster: AtomixCluster, reason: string, note: string) => {
      this.events.record(cluster as KubernetesObject, { type, reason, action: 'Reconcile', note });
    };
    return {
      clusters: { get: (namespace, name) => this.clusters.store.get(namespace, name) },
      owned: {
        get: (kind, namespace, name) => this.owned.get(kind)?.store.get(namespace, name),
        ownedBy: (uid) => [...this.owned.values()].flatMap((informer) => informer.store.byIndex(CONTROLLER_INDEX, uid)),
      },
      statefulSetEvents: (namespace, name) => this.statefulSetEvents.store.byIndex(STATEFULSET_INDEX, `${namespace}/${name}`),
      writer: writer.writer,
      namespaceGone: (namespace) => writer.namespaceGone(namespace),
      fieldManager: FIELD_MANAGER,
      events: { normal: record('Normal'), warning: record('Warning') },
      now: () => new Date(),
      renderOptions: this.options.renderOptions ?? DEFAULT_RENDER_OPTIONS,
      rollout: {
        pods: (namespace, cluster) => this.pods.store.byIndex(CLUSTER_INDEX, `${namespace}/${cluster}`),
        deletePod: (pod) => writer.deletePod(pod),
        prober: this.options.rollout?.prober ?? new AtomixRestProber(),
        stuckAfterMs: this.options.rollout?.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
      },
    };
  }
}
