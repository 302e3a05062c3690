// The reconcile steps against in-memory caches and a recording writer. What the
// API server does with the writes is covered by the integration tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1ObjectMeta, V1PersistentVolumeClaim, V1OwnerReference, V1Pod, V1StatefulSet, V1StatefulSetStatus } from '@kubernetes/client-node';
import { ClusterReconciler, MAX_CACHE_LAG_MS, type ReconcileDeps } from '../../../src/controller/reconcile.js';
import { NAME_CONFLICT_RECHECK_MS } from '../../../src/controller/object-sync.js';
import { STATUS_COALESCE_MS } from '../../../src/controller/status-report.js';
import { EXPANSION_RECHECK_MS } from '../../../src/controller/storage-growth.js';
import { DEFAULT_RENDER_OPTIONS, type KubeObject } from '../../../src/render/index.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { exampleCluster } from '../../support/manifests.js';
import { withAppliedHash, withMetadata } from '../../../src/kube/hash.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { readinessProber } from '../../../src/controller/group-probe.js';

const KEY = 'default/example-atomixcluster';
const STUCK_AFTER_MS = 60_000;
const UID = 'cluster-uid';

/** An object as the fake API server stores it; `spec` and `status` are read through the typed helpers below. */
type Stored = KubernetesObject & { metadata: V1ObjectMeta; spec?: unknown; status?: unknown; data?: Record<string, string> };

/** The data of a stored ConfigMap, to read or edit in place. */
function configData(object: Stored): Record<string, string> {
  assert.ok(object.data, `${String(object.metadata.name)} has data`);
  return object.data;
}

/** Caches that see every write at once (unless `lagging`), objects the caches do not show (`hidden`), and a log of the writes. */
class FakeCluster {
  cluster: AtomixCluster;
  readonly objects = new Map<string, Stored>();
  /** Objects of the namespace that are not labelled as the operator's: the API server has them, the caches do not. */
  readonly hidden = new Map<string, Stored>();
  readonly writes: string[] = [];
  readonly events: string[] = [];
  /** PersistentVolumeClaims by name, and whether their class refuses to expand. */
  readonly claims = new Map<string, V1PersistentVolumeClaim>();
  claimsCannotGrow = false;

  /** Replaces a claim by an edited copy, as the API server stores a new version of it. */
  editClaim(name: string, edit: (claim: V1PersistentVolumeClaim) => void): void {
    const claim = structuredClone(this.claims.get(name) ?? {});
    edit(claim);
    this.claims.set(name, claim);
  }
  /** The cluster's server pods, as the pod informer would show them. */
  pods: V1Pod[] = [];
  lagging = false;
  namespaceGone = false;
  failApplyOf: string | undefined;
  nowMs = 1_000_000;
  private version = 100;

  constructor() {
    this.cluster = exampleCluster();
    this.cluster.metadata.uid = UID;
    this.cluster.metadata.generation = 1;
    this.cluster.metadata.resourceVersion = this.nextVersion();
  }

  nextVersion(): string {
    return String(this.version++);
  }

  deps(): ReconcileDeps {
    const store = (id: string, object: Stored) => {
      const stored = withMetadata(object, { resourceVersion: this.nextVersion() });
      if (!this.lagging) this.objects.set(id, stored);
      return stored;
    };
    return {
      clusters: { get: (namespace, name) => (`${namespace}/${name}` === KEY ? this.cluster : undefined) },
      owned: {
        get: (kind, _namespace, name) => this.objects.get(`${kind}/${name}`),
        ownedBy: (uid) =>
          [...this.objects.values()].filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller)),
      },
      statefulSetEvents: () => [],
      writer: {
        create: async (desired: KubeObject) => {
          const id = `${desired.kind}/${desired.metadata.name}`;
          this.writes.push(`create ${id}`);
          if (this.namespaceGone) throw namespaceTerminating();
          if (id === this.failApplyOf) throw new Error('Forbidden');
          if (this.hidden.has(id) || this.objects.has(id)) return { created: false };
          return { created: true, object: store(id, withMetadata(structuredClone(withAppliedHash(desired)), { uid: `uid-${id}` })) };
        },
        update: async (desired: KubeObject, live) => {
          const id = `${desired.kind}/${desired.metadata.name}`;
          this.writes.push(`apply ${id}`);
          if (id === this.failApplyOf) throw new Error('Forbidden');
          const stamped: Stored = structuredClone(withAppliedHash(desired));
          this.hidden.delete(id);
          return store(id, { ...withMetadata(stamped, { uid: live.metadata?.uid }), status: this.objects.get(id)?.status });
        },
        read: async (kind, _namespace, name) => (this.objects.get(`${kind}/${name}`) ?? this.hidden.get(`${kind}/${name}`)),
        remove: async (object, propagation) => {
          const id = `${String(object.kind)}/${String(object.metadata?.name)}`;
          this.writes.push(`delete ${id}${propagation === 'Orphan' ? ' (orphan)' : ''}`);
          this.objects.delete(id);
        },
        readClaim: async (_namespace, name) => structuredClone(this.claims.get(name)),
        resizeClaim: async (claim, size) => {
          const name = claim.metadata?.name ?? '';
          this.writes.push(`resize PersistentVolumeClaim/${name} ${size}`);
          if (this.claimsCannotGrow) {
            throw new KubeApiError(403, `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`, 'Forbidden');
          }
          this.editClaim(name, (grown) => {
            grown.spec ??= {};
            grown.spec.resources = { requests: { storage: size } };
          });
        },
        writeStatus: async (_cluster, status) => {
          this.writes.push('status');
          const resourceVersion = this.nextVersion();
          if (!this.lagging) this.cluster = { ...this.cluster, metadata: { ...this.cluster.metadata, resourceVersion }, status: structuredClone(status) };
          return { resourceVersion };
        },
      },
      namespaceGone: async () => this.namespaceGone,
      events: {
        normal: (_c, reason, message) => this.events.push(`Normal ${reason} ${message}`),
        warning: (_c, reason, message) => this.events.push(`Warning ${reason} ${message}`),
      },
      fieldManager: 'atomix-operator',
      now: () => new Date(this.nowMs),
      renderOptions: DEFAULT_RENDER_OPTIONS,
      rollout: {
        pods: () => this.pods,
        deletePod: async (pod) => {
          this.writes.push(`delete Pod/${pod.metadata?.name ?? ''}`);
          this.pods = this.pods.filter((p) => p.metadata?.name !== pod.metadata?.name);
        },
        prober: readinessProber,
        stuckAfterMs: STUCK_AFTER_MS,
      },
    };
  }

  /** Someone else edits an owned object: a new resourceVersion, and their field manager in managedFields. */
  edit(id: string, change: (object: Stored) => void, manager = 'kubectl-edit'): void {
    const object = this.stored(id);
    change(object);
    object.metadata.resourceVersion = this.nextVersion();
    object.metadata.managedFields = [{ manager, operation: 'Update', time: new Date(this.nowMs).toISOString() as unknown as Date }];
  }

  /** What the StatefulSet controller and the kubelets would report once every pod is ready on `revision`. */
  allPodsReady(revision = 'rev-1'): void {
    this.pods = [];
    for (const [id, object] of this.objects) {
      if (!id.startsWith('StatefulSet/')) continue;
      const { spec } = object as V1StatefulSet;
      const replicas = spec?.replicas ?? 0;
      object.metadata.generation = 1;
      object.status = { observedGeneration: 1, replicas, readyReplicas: replicas, updatedReplicas: replicas, updateRevision: revision };
      for (let ordinal = 0; ordinal < replicas; ordinal++) {
        this.pods.push(this.pod(`${object.metadata.name ?? ''}-${String(ordinal)}`, spec?.template.metadata?.labels ?? {}, revision));
      }
    }
  }

  /** The stored object `id`; the test fails when there is none. */
  stored(id: string): Stored {
    const object = this.objects.get(id);
    assert.ok(object, `${id} is stored`);
    return object;
  }

  /** The status of the stored StatefulSet `id`, to change as its controller would. */
  statefulSetStatus(id: string): V1StatefulSetStatus {
    const { status } = this.stored(id) as V1StatefulSet;
    assert.ok(status, `${id} has a status`);
    return status;
  }

  /** The cluster's first partition group, to edit its spec. */
  firstPartitionGroup() {
    const group = this.cluster.spec.partitionGroups?.[0];
    assert.ok(group, 'the cluster has a partition group');
    return group;
  }

  /** A Ready pod of a StatefulSet with these template labels, on `revision`. */
  pod(name: string, labels: Record<string, string>, revision: string, ready = true): V1Pod {
    const since = new Date(this.nowMs).toISOString() as unknown as Date;
    return {
      metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { ...labels, 'controller-revision-hash': revision }, creationTimestamp: since },
      status: { podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: since }] },
    };
  }

  takeWrites(): string[] {
    return this.writes.splice(0);
  }
}

function namespaceTerminating(): Error {
  return new KubeApiError(403, 'unable to create new content in namespace default because it is being terminated', 'Forbidden', {
    causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }],
  });
}

function statusOf(fake: FakeCluster) {
  const { status } = fake.cluster;
  assert.ok(status, 'the cluster has a status');
  return status;
}

function condition(fake: FakeCluster, type: string) {
  const found = statusOf(fake).conditions?.find((c) => c.type === type);
  assert.ok(found, `the cluster has a ${type} condition`);
  return found;
}

describe('creating a cluster', () => {
  test('applies every rendered object once and writes the status once', async () => {
    const fake = new FakeCluster();
    await new ClusterReconciler(fake.deps()).reconcile(KEY);
    // What the pods need first, then the StatefulSets that start them.
    assert.deepEqual(fake.takeWrites(), [
      'create Service/example-atomixcluster-service',
      'create ConfigMap/example-atomixcluster-management-config',
      'create PodDisruptionBudget/example-atomixcluster-management',
      'create ConfigMap/example-atomixcluster-raft-config',
      'create PodDisruptionBudget/example-atomixcluster-raft',
      'create Service/example-atomixcluster-raft',
      'create StatefulSet/example-atomixcluster-management',
      'create StatefulSet/example-atomixcluster-raft',
      'status',
    ]);
    assert.equal(statusOf(fake).serviceName, 'example-atomixcluster-service');
    assert.equal(statusOf(fake).observedGeneration, 1);
    assert.equal(statusOf(fake).readyGroups, '0/2');
    assert.equal(condition(fake, 'Ready').status, 'False');
    assert.equal(condition(fake, 'Progressing').status, 'True');
    assert.deepEqual(fake.events, [
      'Normal Created created Service example-atomixcluster-service, ConfigMap example-atomixcluster-management-config, ' +
        'PodDisruptionBudget example-atomixcluster-management, ConfigMap example-atomixcluster-raft-config, ' +
        'PodDisruptionBudget example-atomixcluster-raft, Service example-atomixcluster-raft, ' +
        'StatefulSet example-atomixcluster-management, StatefulSet example-atomixcluster-raft',
    ]);
  });

  test('reports Ready once the StatefulSets report every pod ready, then writes nothing more', async () => {
    const fake = new FakeCluster();
    const reconciler = new ClusterReconciler(fake.deps());
    await reconciler.reconcile(KEY);
    fake.takeWrites();
    fake.allPodsReady();
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.equal(condition(fake, 'Ready').status, 'True');
    assert.equal(condition(fake, 'Progressing').reason, 'Converged');
    assert.deepEqual(statusOf(fake).partitionGroups, [
      { name: 'raft', replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'rev-1', updateRevision: 'rev-1', available: true },
    ]);
    assert.equal(condition(fake, 'Quorate').status, 'True');
    assert.equal(statusOf(fake).readyGroups, '2/2');
    fake.nowMs += 60_000;
    for (let pass = 0; pass < 3; pass++) await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'steady state makes no write');
  });

  test('progress without a change of verdict is coalesced, then written', async () => {
    const fake = new FakeCluster();
    const reconciler = new ClusterReconciler(fake.deps());
    await reconciler.reconcile(KEY);
    fake.takeWrites();
    fake.stored('StatefulSet/example-atomixcluster-raft').status = { observedGeneration: 0, readyReplicas: 1, updatedReplicas: 1 };
    fake.stored('StatefulSet/example-atomixcluster-management').status = { readyReplicas: 1, updatedReplicas: 1 };
    fake.nowMs += 1_000;
    const outcome = await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
    // Requeued for whichever comes first: the end of the coalescing, or a re-check of its own recent applies.
    assert.equal(outcome.requeueAfterMs, Math.min(STATUS_COALESCE_MS, MAX_CACHE_LAG_MS) - 1_000);
    fake.nowMs += STATUS_COALESCE_MS;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.equal(statusOf(fake).managementGroup?.readyReplicas, 1);
  });

  test('a reconcile that sees a cache lagging behind its own writes does not write again', async () => {
    const fake = new FakeCluster();
    fake.lagging = true;
    const reconciler = new ClusterReconciler(fake.deps());
    const first = await reconciler.reconcile(KEY);
    assert.equal(first.requeueAfterMs, MAX_CACHE_LAG_MS);
    assert.deepEqual(fake.takeWrites().slice(-1), ['status']);
    fake.nowMs += 1_000;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'neither the objects nor the status are written again');
    // Past the tolerance the cache is believed: objects still missing are applied again.
    fake.nowMs += MAX_CACHE_LAG_MS;
    await reconciler.reconcile(KEY);
    assert.equal(fake.takeWrites().filter((w) => w.startsWith('create')).length, 8);
  });
});

/** A cluster whose objects exist and whose pods are all ready, with the writes and events so far forgotten. */
async function converged(spec: Partial<AtomixCluster['spec']> = {}) {
  const fake = new FakeCluster();
  Object.assign(fake.cluster.spec, spec);
  const reconciler = new ClusterReconciler(fake.deps());
  await reconciler.reconcile(KEY);
  fake.allPodsReady();
  await reconciler.reconcile(KEY);
  fake.takeWrites();
  fake.events.splice(0);
  fake.nowMs += MAX_CACHE_LAG_MS;
  return { fake, reconciler };
}

describe('keeping a cluster converged', () => {
  test('an owned object edited by hand is applied again', async () => {
    const { fake, reconciler } = await converged();
    configData(fake.stored('ConfigMap/example-atomixcluster-raft-config'))['atomix.conf'] = '{}';
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['apply ConfigMap/example-atomixcluster-raft-config']);
    assert.ok(fake.events.includes('Normal Updated updated ConfigMap example-atomixcluster-raft-config'));
  });

  test('an owned object deleted by hand is created again', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.delete('Service/example-atomixcluster-raft');
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['create Service/example-atomixcluster-raft']);
  });

  test('removing a group deletes its objects and nothing else', async () => {
    // From 3.1.6 on, a cluster may have no partition group (3.1.0–3.1.5 never start without one).
    const { fake, reconciler } = await converged({ version: '3.1.12' });
    fake.cluster.spec.partitionGroups = [];
    fake.cluster.metadata.generation = 2;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [
      'delete ConfigMap/example-atomixcluster-raft-config',
      'delete PodDisruptionBudget/example-atomixcluster-raft',
      'delete Service/example-atomixcluster-raft',
      'delete StatefulSet/example-atomixcluster-raft',
      'status',
    ]);
    assert.equal(statusOf(fake).observedGeneration, 2);
    assert.deepEqual(statusOf(fake).partitionGroups, []);
    assert.equal(fake.events.at(-1), 'Normal Deleted deleted ConfigMap example-atomixcluster-raft-config, PodDisruptionBudget example-atomixcluster-raft, Service example-atomixcluster-raft, StatefulSet example-atomixcluster-raft');
  });

  test('objects the cluster does not control are never pruned', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.set('ConfigMap/someone-else', { kind: 'ConfigMap', metadata: { name: 'someone-else', ownerReferences: [{ uid: 'other', controller: true } as V1OwnerReference] } });
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
  });

  test('storage that would shrink (stored before admission refused it) is reported as Degraded and not applied', async () => {
    const { fake, reconciler } = await converged();
    const { raft } = fake.firstPartitionGroup();
    assert.ok(raft);
    raft.storage.size = '1G';
    fake.cluster.metadata.generation = 2;
    const outcome = await reconciler.reconcile(KEY);
    assert.match(outcome.blocked ?? '', /can only grow in size/, 'blocked until the spec changes, not retried with backoff');
    assert.equal(outcome.requeueAfterMs, undefined);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.equal(condition(fake, 'Degraded').status, 'True');
    assert.equal(condition(fake, 'Degraded').reason, 'StorageImmutable');
    assert.ok(fake.events.some((e) => e.startsWith('Warning StorageImmutable')));
  });

  test('a failing apply is reported and retried (the error reaches the work queue)', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.delete('Service/example-atomixcluster-raft');
    fake.failApplyOf = 'Service/example-atomixcluster-raft';
    await assert.rejects(reconciler.reconcile(KEY), /applying Service example-atomixcluster-raft failed: Forbidden/);
    assert.equal(condition(fake, 'Degraded').reason, 'ApplyFailed');
    assert.equal(condition(fake, 'Progressing').reason, 'Blocked');
  });

  test('a stored spec that no longer validates becomes a Degraded condition, not a crash', async () => {
    const { fake, reconciler } = await converged();
    Object.assign(fake.firstPartitionGroup(), { log: {} });
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.equal(condition(fake, 'Degraded').reason, 'InvalidSpec');
    assert.match(condition(fake, 'Degraded').message, /spec\.partitionGroups\[0\]: a partition group needs exactly one protocol/);
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'the same problem is not written twice');
  });

  test('a deleted cluster needs nothing: garbage collection removes its objects', async () => {
    const { fake, reconciler } = await converged();
    fake.cluster.metadata.deletionTimestamp = new Date(0).toISOString();
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
  });
});

describe('objects the cluster does not control', () => {
  const raftConfig = 'ConfigMap/example-atomixcluster-raft-config';
  const foreignConfig = () => ({
    kind: 'ConfigMap',
    metadata: { name: 'example-atomixcluster-raft-config', uid: 'foreign', resourceVersion: '7', managedFields: [{ manager: 'kubectl-create', operation: 'Update' }] },
    data: { mine: 'yes' },
  });

  test('a foreign object in the way is left alone, reported as NameConflict, and the rest is reconciled', async () => {
    const fake = new FakeCluster();
    fake.hidden.set(raftConfig, foreignConfig());
    const reconciler = new ClusterReconciler(fake.deps());
    const outcome = await reconciler.reconcile(KEY);
    const writes = fake.takeWrites();
    assert.ok(writes.includes(`create ${raftConfig}`), 'one create, refused because the name is taken');
    assert.ok(!writes.some((w) => w.startsWith('apply')), `nothing is applied over it: ${writes.join()}`);
    assert.ok(!writes.includes('create StatefulSet/example-atomixcluster-raft'), 'the group that would mount it waits');
    assert.ok(writes.includes('create StatefulSet/example-atomixcluster-management'), 'the rest of the cluster is created');
    assert.deepEqual(fake.hidden.get(raftConfig)?.data, { mine: 'yes' });
    assert.equal(condition(fake, 'Degraded').reason, 'NameConflict');
    assert.equal(condition(fake, 'Ready').status, 'False');
    assert.match(condition(fake, 'Degraded').message, /ConfigMap example-atomixcluster-raft-config already exists, managed by "kubectl-create"/);
    assert.equal(fake.events.filter((e) => e.startsWith('Warning NameConflict')).length, 1);
    assert.equal(outcome.requeueAfterMs, NAME_CONFLICT_RECHECK_MS, 'looked at again, since no watch sees that object');
    assert.match(outcome.blocked ?? '', /ConfigMap example-atomixcluster-raft-config already exists/);

    fake.nowMs += NAME_CONFLICT_RECHECK_MS;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'a known conflict is read, not written to');
    assert.equal(fake.events.filter((e) => e.startsWith('Warning')).length, 1, 'and not reported again');

    fake.hidden.delete(raftConfig);
    await reconciler.reconcile(KEY);
    const taken = fake.takeWrites();
    assert.ok(taken.includes(`create ${raftConfig}`) && taken.includes('create StatefulSet/example-atomixcluster-raft'), taken.join());
    assert.equal(condition(fake, 'Degraded').status, 'False');
  });

  test('a cached object controlled by another cluster keeps its owner; this cluster waits for its name', async () => {
    const fake = new FakeCluster();
    fake.objects.set('Service/example-atomixcluster-raft', {
      kind: 'Service',
      metadata: { name: 'example-atomixcluster-raft', uid: 'theirs', resourceVersion: '9', ownerReferences: [{ kind: 'AtomixCluster', name: 'example', uid: 'other', controller: true } as V1OwnerReference] },
    });
    const reconciler = new ClusterReconciler(fake.deps());
    await reconciler.reconcile(KEY);
    assert.ok(!fake.takeWrites().some((w) => w.endsWith('Service/example-atomixcluster-raft')));
    assert.match(condition(fake, 'Degraded').message, /Service example-atomixcluster-raft already exists, controlled by AtomixCluster example/);
    assert.deepEqual(reconciler.clustersWaitingFor({ kind: 'Service', metadata: { namespace: 'default', name: 'example-atomixcluster-raft' } }), [KEY]);
  });

  test('its own object, with the labels that make the caches see it edited away, is taken back', async () => {
    const fake = new FakeCluster();
    const reconciler = new ClusterReconciler(fake.deps());
    await reconciler.reconcile(KEY);
    const ours = fake.stored(raftConfig);
    fake.objects.delete(raftConfig);
    fake.hidden.set(raftConfig, withMetadata(ours, { labels: {} }));
    fake.takeWrites();
    fake.nowMs += MAX_CACHE_LAG_MS;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`create ${raftConfig}`, `apply ${raftConfig}`]);
    assert.equal(fake.objects.get(raftConfig)?.metadata.labels?.['app.kubernetes.io/managed-by'], 'atomix-operator');
  });
});

describe('a namespace being deleted', () => {
  test('objects deleted with their namespace are not put back: the first repair asks about the namespace', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.delete('ConfigMap/example-atomixcluster-raft-config');
    fake.statefulSetStatus('StatefulSet/example-atomixcluster-raft').readyReplicas = 0;
    fake.namespaceGone = true;
    assert.deepEqual(await reconciler.reconcile(KEY), {});
    assert.deepEqual(fake.takeWrites(), [], 'no create, no status');
    assert.deepEqual(fake.events, []);
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'the namespace stays skipped');
  });

  test('a create refused because the namespace is terminating ends the pass after that one write', async () => {
    const { fake } = await converged();
    for (const id of [...fake.objects.keys()]) if (!id.startsWith('StatefulSet/')) fake.objects.delete(id);
    // Without permission to read namespaces the operator learns it from the refused create.
    const unguarded = new ClusterReconciler({ ...fake.deps(), namespaceGone: async () => false });
    fake.namespaceGone = true;
    assert.deepEqual(await unguarded.reconcile(KEY), {});
    assert.deepEqual(fake.takeWrites(), ['create Service/example-atomixcluster-service']);
    assert.deepEqual(fake.events, []);
    await unguarded.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
  });
});

describe('telling cache lag from drift', () => {
  const raftConfig = 'ConfigMap/example-atomixcluster-raft-config';

  test('an edit right after the operator wrote the object is corrected at once, not hidden for a while', async () => {
    const { fake, reconciler } = await converged();
    fake.edit(raftConfig, (o) => (configData(o)['atomix.conf'] = '{}'));
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`apply ${raftConfig}`]);
    fake.nowMs += 100;
    fake.edit(raftConfig, (o) => (configData(o)['atomix.conf'] = '{"again":1}'));
    const outcome = await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'a second edit within seconds waits');
    assert.ok(outcome.requeueAfterMs !== undefined && outcome.requeueAfterMs <= 5_000, String(outcome.requeueAfterMs));
  });

  test('a cache still showing the version its write replaced is behind: no second write', async () => {
    const { fake, reconciler } = await converged();
    fake.edit(raftConfig, (o) => (configData(o)['atomix.conf'] = '{}'));
    fake.lagging = true;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`apply ${raftConfig}`]);
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'the cache shows the edited version still: the write is in flight');
  });

  test('a client that keeps editing gets a growing delay and one Warning naming its field manager', async () => {
    const { fake, reconciler } = await converged();
    let restores = 0;
    for (let second = 0; second < 60; second += 2) {
      fake.nowMs += 2_000;
      fake.edit(raftConfig, (o) => (configData(o)['atomix.conf'] = `{"edit":${second}}`), 'config-bot');
      await reconciler.reconcile(KEY);
      restores += fake.takeWrites().filter((w) => w === `apply ${raftConfig}`).length;
    }
    assert.ok(restores >= 3 && restores <= 5, `30 edits in 60 s were restored ${restores} times`);
    const warnings = fake.events.filter((e) => e.startsWith('Warning ExternalChanges'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /ConfigMap example-atomixcluster-raft-config keeps being changed by field manager "config-bot"/);
  });
});

describe('each pass ends in a classified outcome', () => {
  test('done: converged, or the cluster is gone', async () => {
    const { fake, reconciler } = await converged();
    assert.deepEqual(await reconciler.reconcile(KEY), {});
    fake.cluster.metadata.deletionTimestamp = new Date(0).toISOString();
    assert.deepEqual(await reconciler.reconcile(KEY), {});
  });

  test('requeue: progress held back to be coalesced comes back when it may be written', async () => {
    const { fake, reconciler } = await converged();
    fake.statefulSetStatus('StatefulSet/example-atomixcluster-raft').readyReplicas = 2;
    await reconciler.reconcile(KEY);
    fake.statefulSetStatus('StatefulSet/example-atomixcluster-raft').readyReplicas = 1;
    const outcome = await reconciler.reconcile(KEY);
    assert.equal(outcome.blocked, undefined);
    assert.ok(outcome.requeueAfterMs !== undefined && outcome.requeueAfterMs <= STATUS_COALESCE_MS, JSON.stringify(outcome));
  });

  test('blocked: a spec the API server would not have admitted waits for a spec change', async () => {
    const { fake, reconciler } = await converged();
    Object.assign(fake.firstPartitionGroup(), { log: {} });
    const outcome = await reconciler.reconcile(KEY);
    assert.match(outcome.blocked ?? '', /a partition group needs exactly one protocol/);
    assert.equal(outcome.requeueAfterMs, undefined, 'nothing to look at until the spec changes');
  });

  test('failed: an apply the API server refused is thrown, for the work queue to retry with backoff', async () => {
    const { fake, reconciler } = await converged();
    configData(fake.stored('ConfigMap/example-atomixcluster-raft-config'))['atomix.conf'] = '{}';
    fake.failApplyOf = 'ConfigMap/example-atomixcluster-raft-config';
    fake.objects.delete('Service/example-atomixcluster-raft');
    fake.hidden.set('Service/example-atomixcluster-raft', { kind: 'Service', metadata: { name: 'example-atomixcluster-raft', uid: 'foreign' } });
    // A failure wins over a conflict in the same pass: retrying may fix the one.
    await assert.rejects(reconciler.reconcile(KEY), (error: Error) => /failed: Forbidden/.test(error.message) && !/already exists/.test(error.message));
    assert.match(condition(fake, 'Degraded').message, /already exists/, 'both are in the status');
  });
});

describe('pausing a cluster (agent.atomix.io/paused: "true")', () => {
  const pause = (fake: FakeCluster, value: string | undefined) => {
    const annotations = { ...fake.cluster.metadata.annotations };
    if (value === undefined) delete annotations['agent.atomix.io/paused'];
    else annotations['agent.atomix.io/paused'] = value;
    fake.cluster = { ...fake.cluster, metadata: { ...fake.cluster.metadata, annotations, generation: (fake.cluster.metadata.generation ?? 0) + 1 } };
  };

  test('writes the Paused status once, then nothing while the spec changes and objects vanish; unpaused, it converges', async () => {
    const { fake, reconciler } = await converged();
    pause(fake, 'true');
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.equal(condition(fake, 'Progressing').reason, 'Paused');
    assert.equal(condition(fake, 'Ready').reason, 'AllGroupsReady', 'the rest of the status stays as it was');
    const groups = (fake.cluster.spec.partitionGroups ?? []).map((group) => ({ ...group, env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }] }));
    fake.cluster = { ...fake.cluster, spec: { ...fake.cluster.spec, partitionGroups: groups, benchmark: { size: 1 } }, metadata: { ...fake.cluster.metadata, generation: 3 } };
    fake.objects.delete('ConfigMap/example-atomixcluster-raft-config');
    for (let pass = 0; pass < 3; pass++) {
      fake.nowMs += 60_000;
      assert.deepEqual(await reconciler.reconcile(KEY), {});
    }
    assert.deepEqual(fake.takeWrites(), [], 'no write while paused');
    pause(fake, undefined);
    await reconciler.reconcile(KEY);
    const writes = fake.takeWrites();
    assert.ok(writes.includes('create ConfigMap/example-atomixcluster-raft-config'), writes.join());
    assert.ok(writes.includes('apply StatefulSet/example-atomixcluster-raft'), writes.join());
    assert.ok(writes.includes('create StatefulSet/example-atomixcluster-bench-worker'), writes.join());
    assert.notEqual(condition(fake, 'Progressing').reason, 'Paused');
  });

  test('any other value than "true" does not pause', async () => {
    const { fake, reconciler } = await converged();
    pause(fake, 'yes');
    fake.objects.delete('ConfigMap/example-atomixcluster-raft-config');
    await reconciler.reconcile(KEY);
    assert.ok(fake.takeWrites().includes('create ConfigMap/example-atomixcluster-raft-config'));
  });
});

describe('storage growth', () => {
  const RAFT = 'StatefulSet/example-atomixcluster-raft';
  const claimNames = [0, 1, 2].map((ordinal) => `data-example-atomixcluster-raft-${ordinal}`);

  async function growing(capacity = '2G') {
    const { fake, reconciler } = await converged();
    for (const name of claimNames) {
      fake.claims.set(name, { metadata: { name, uid: `uid-${name}` }, spec: { storageClassName: 'fast-disks', resources: { requests: { storage: '2G' } } }, status: { capacity: { storage: capacity } } });
    }
    const { raft } = fake.firstPartitionGroup();
    assert.ok(raft);
    raft.storage.size = '4Gi';
    fake.cluster.metadata.generation = 2;
    return { fake, reconciler };
  }

  test('grows each claim, waits for the capacity, then recreates the StatefulSet without its pods (orphan), with the new template', async () => {
    const { fake, reconciler } = await growing();
    const first = await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [...claimNames.map((name) => `resize PersistentVolumeClaim/${name} 4Gi`), 'status']);
    assert.equal(first.blocked, undefined);
    assert.ok(first.requeueAfterMs !== undefined, 'looks again while the volumes grow');
    assert.equal(condition(fake, 'Progressing').reason, 'StorageGrowth');
    assert.match(condition(fake, 'Progressing').message, /StatefulSet example-atomixcluster-raft: 0\/3 volumes grown to 4Gi/);
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'no claim is asked twice, nothing else is done while they grow');
    const [claim] = claimNames;
    fake.editClaim(claim ?? '', (grown) => { grown.status = { capacity: { storage: '4Gi' } }; });
    fake.nowMs += STATUS_COALESCE_MS;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['status']);
    assert.match(condition(fake, 'Progressing').message, /1\/3 volumes grown/);
    for (const name of claimNames) fake.editClaim(name, (grown) => { grown.status = { capacity: { storage: '4Gi' } }; });
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`delete ${RAFT} (orphan)`, 'status']);
    assert.match(condition(fake, 'Progressing').message, /recreating the StatefulSet, its pods keep running/);
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`create ${RAFT}`, 'status']);
    const template = (fake.stored(RAFT) as V1StatefulSet).spec?.volumeClaimTemplates?.[0];
    assert.equal(template?.spec?.resources?.requests?.['storage'], '4Gi');
  });

  test('claims that already have the size are not asked again (a pass interrupted midway resumes)', async () => {
    const { fake, reconciler } = await growing('4Gi');
    for (const name of claimNames.slice(0, 2)) fake.editClaim(name, (grown) => { grown.spec = { resources: { requests: { storage: '4Gi' } } }; });
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`resize PersistentVolumeClaim/${claimNames[2] ?? ''} 4Gi`, `delete ${RAFT} (orphan)`, 'status']);
  });

  test('a class that cannot expand: Degraded with the API server\'s refusal, nothing else touched, not retried', async () => {
    const { fake, reconciler } = await growing();
    fake.claimsCannotGrow = true;
    const outcome = await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`resize PersistentVolumeClaim/${claimNames[0] ?? ''} 4Gi`, 'status']);
    assert.match(outcome.blocked ?? '', /cannot grow to 4Gi \(StorageClass fast-disks\): .*must support resize; nothing was changed/);
    assert.equal(condition(fake, 'Degraded').reason, 'StorageExpansionRefused');
    assert.equal(condition(fake, 'Progressing').reason, 'Blocked');
    assert.equal(outcome.requeueAfterMs, EXPANSION_RECHECK_MS, 'tried again rarely: the class may be changed to allow expansion');
    fake.nowMs += 60_000;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'the refused claim is not asked again on the next passes');
    fake.nowMs += EXPANSION_RECHECK_MS;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [`resize PersistentVolumeClaim/${claimNames[0] ?? ''} 4Gi`]);
  });
});
