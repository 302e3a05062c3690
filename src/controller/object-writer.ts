// The API requests behind the reconciler's writes: creates that never take over an object,
// applies and deletes bound to the uid of the object inspected, reads, status applies, and the
// namespace check. Counts every create and apply per object (atomix_operator_object_applies_total).
import type { KubernetesObject, V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import type { AtomixCluster, AtomixClusterStatus } from '../api/schema.js';
import { isKind, type KubeObject } from '../render/index.js';
import { applyObject, createObject, isUidPreconditionFailure, type CreateResult } from '../kube/apply.js';
import { applyStatus } from '../kube/status-apply.js';
import { isNotFound } from '../kube/errors.js';
import { objectPath, resources, type ResourceType } from '../kube/resources.js';
import type { ObjectPatcher, RawRequester } from '../kube/transport.js';
import type { OperatorMetrics } from '../kube/metrics.js';
import type { ReconcileDeps } from './reconcile.js';
import { ownedKind } from './owned-kinds.js';

/** A namespace found alive is not asked about again for this long (one GET per namespace, however many clusters repair at once). */
const NAMESPACE_CHECK_TTL_MS = 5_000;

/** The requests the writer sends: KubeClient's, or an in-memory API server's in unit tests. */
export interface WriterClient extends RawRequester {
  readonly objects: ObjectPatcher;
}

export class ObjectWriter implements Pick<ReconcileDeps, 'writer'> {
  private readonly namespaceChecks = new Map<string, { gone: Promise<boolean>; at: number }>();

  constructor(
    private readonly client: WriterClient,
    private readonly fieldManager: string,
    private readonly metrics: Pick<OperatorMetrics, 'objectApplied'> | undefined,
  ) {}

  readonly writer: ReconcileDeps['writer'] = {
    create: (desired) => this.create(desired),
    update: (desired, live) => this.update(desired, live),
    read: (kind, namespace, name) => this.read(kind, namespace, name),
    remove: (object, propagation) => this.remove(object, propagation),
    readClaim: (namespace, name) => this.readClaim(namespace, name),
    resizeClaim: (claim, size) => this.resizeClaim(claim, size),
    writeStatus: (cluster, status) => this.writeStatus(cluster, status),
  };

  /** Whether the namespace is being deleted or gone; without permission to read it, false (refused creates then tell). */
  namespaceGone(namespace: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.namespaceChecks.get(namespace);
    if (cached && now - cached.at < NAMESPACE_CHECK_TTL_MS) return cached.gone;
    const gone = this.client
      .request<KubernetesObject>({ method: 'GET', path: objectPath(resources.namespaces, undefined, namespace) })
      .then(
        (object) => Boolean(object.metadata?.deletionTimestamp),
        (error: unknown) => isNotFound(error),
      );
    this.namespaceChecks.set(namespace, { gone, at: now });
    return gone;
  }

  private async create(desired: KubeObject): Promise<CreateResult> {
    const result = await createObject(this.client.objects, desired, { fieldManager: this.fieldManager });
    if (result.created) this.counted(desired);
    return result;
  }

  private async update(desired: KubeObject, live: KubernetesObject): Promise<KubernetesObject> {
    await this.leaveRollingUpdate(desired, live);
    const result = await applyObject(this.client.objects, desired, { fieldManager: this.fieldManager, live });
    if (result.applied) this.counted(desired);
    return result.object;
  }

  /**
   * A StatefulSet created with the default RollingUpdate strategy carries the server's default
   * `rollingUpdate: {partition: 0}`, which no field manager owns, so an apply of `type: OnDelete`
   * alone is refused ("only allowed for updateStrategy 'RollingUpdate'"). StatefulSets made
   * before the operator drove rollouts itself are switched once, by a merge patch that drops it.
   */
  private async leaveRollingUpdate(desired: KubeObject, live: KubernetesObject): Promise<void> {
    if (!isKind('StatefulSet')(desired) || desired.spec?.updateStrategy?.type !== 'OnDelete') return;
    const { namespace, name, uid } = live.metadata ?? {};
    if ((live as V1StatefulSet).spec?.updateStrategy?.rollingUpdate === undefined) return;
    await this.client.request({
      method: 'PATCH',
      path: objectPath(resources.statefulSets, namespace, name ?? ''),
      query: { fieldManager: this.fieldManager },
      contentType: 'application/merge-patch+json',
      body: { metadata: { uid }, spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } },
    });
  }

  private async read(kind: string, namespace: string, name: string): Promise<KubernetesObject | undefined> {
    try {
      return await this.client.request<KubernetesObject>({ method: 'GET', path: objectPath(ownedKind(kind), namespace, name) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deletes exactly the pod given (a member being replaced; its StatefulSet recreates it). */
  deletePod(pod: KubernetesObject): Promise<void> {
    return this.remove(pod, 'Background', resources.pods);
  }

  /** Deletes exactly the object given: gone already, or replaced by another of the same name, is done too. */
  private async remove(
    object: KubernetesObject,
    propagation: 'Background' | 'Orphan' = 'Background',
    resource: ResourceType = ownedKind(object.kind ?? ''),
  ): Promise<void> {
    const { namespace, name, uid } = object.metadata ?? {};
    try {
      await this.client.request({
        method: 'DELETE',
        path: objectPath(resource, namespace, name ?? ''),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: propagation, ...(uid ? { preconditions: { uid } } : {}) },
      });
    } catch (error) {
      if (!isNotFound(error) && !isUidPreconditionFailure(error)) throw error;
    }
  }

  private async readClaim(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
    try {
      return await this.client.request<V1PersistentVolumeClaim>({ method: 'GET', path: objectPath(resources.persistentVolumeClaims, namespace, name) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A merge patch of the request alone, bound to the claim read (its uid). */
  private async resizeClaim(claim: V1PersistentVolumeClaim, size: string): Promise<void> {
    const { namespace, name, uid } = claim.metadata ?? {};
    await this.client.request({
      method: 'PATCH',
      path: objectPath(resources.persistentVolumeClaims, namespace, name ?? ''),
      contentType: 'application/merge-patch+json',
      body: { metadata: { uid }, spec: { resources: { requests: { storage: size } } } },
    });
  }

  private async writeStatus(cluster: AtomixCluster, status: AtomixClusterStatus): Promise<{ resourceVersion?: string }> {
    const target = { namespace: cluster.metadata.namespace, name: cluster.metadata.name };
    const { resourceVersion } = await applyStatus(this.client, resources.atomixClusters, target, status, { fieldManager: this.fieldManager });
    return resourceVersion ? { resourceVersion } : {};
  }

  private counted(object: KubeObject): void {
    this.metrics?.objectApplied(object.kind, object.metadata.namespace, object.metadata.name);
  }
}
