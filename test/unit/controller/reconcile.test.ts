// The reconcile steps against in-memory caches and a recording writer. What the
// API server does with the writes is covered by the integration tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ClusterReconciler, STATUS_COALESCE_MS, CACHE_LAG_TOLERANCE_MS, type ReconcileDeps } from '../../../src/controller/reconcile.js';
import { DEFAULT_RENDER_OPTIONS, type KubeObject } from '../../../src/render/index.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { exampleCluster } from '../../support/manifests.js';
import { withAppliedHash } from '../../../src/kube/apply.js';

const KEY = 'default/example-atomixcluster';
const UID = 'cluster-uid';

type Json = Record<string, any>;

/** Caches that see every write at once (unless `lagging`), and a log of the writes. */
class FakeCluster {
  cluster: AtomixCluster;
  readonly objects = new Map<string, Json>();
  readonly writes: string[] = [];
  readonly events: string[] = [];
  lagging = false;
  failApplyOf: string | undefined;
  nowMs = 1_000_000;

  constructor() {
    this.cluster = exampleCluster();
    this.cluster.metadata.uid = UID;
    this.cluster.metadata.generation = 1;
  }

  deps(): ReconcileDeps {
    return {
      clusters: { get: (namespace, name) => (`${namespace}/${name}` === KEY ? this.cluster : undefined) },
      owned: {
        get: (kind, _namespace, name) => this.objects.get(`${kind}/${name}`) as KubernetesObject | undefined,
        ownedBy: (uid) =>
          [...this.objects.values()].filter((o) => o.metadata.ownerReferences?.some((r: Json) => r.uid === uid && r.controller)),
      },
      writer: {
        apply: async (desired: KubeObject) => {
          const id = `${desired.kind}/${desired.metadata.name}`;
          this.writes.push(`apply ${id}`);
          if (id === this.failApplyOf) throw new Error('Forbidden');
          if (!this.lagging) this.objects.set(id, { ...structuredClone(withAppliedHash(desired)), status: this.objects.get(id)?.status });
        },
        remove: async (object) => {
          const id = `${object.kind}/${object.metadata?.name}`;
          this.writes.push(`delete ${id}`);
          this.objects.delete(id);
        },
        writeStatus: async (_cluster, status) => {
          this.writes.push('status');
          if (!this.lagging) this.cluster = { ...this.cluster, status: structuredClone(status) };
        },
      },
      events: {
        normal: (_c, reason, message) => this.events.push(`Normal ${reason} ${message}`),
        warning: (_c, reason, message) => this.events.push(`Warning ${reason} ${message}`),
      },
      now: () => new Date(this.nowMs),
      renderOptions: DEFAULT_RENDER_OPTIONS,
    };
  }

  /** What the StatefulSet controller would report once every pod is ready. */
  allPodsReady(): void {
    for (const [id, object] of this.objects) {
      if (!id.startsWith('StatefulSet/')) continue;
      const replicas = object.spec.replicas;
      object.metadata.generation = 1;
      object.status = { observedGeneration: 1, replicas, readyReplicas: replicas, updatedReplicas: replicas };
    }
  }

  takeWrites(): string[] {
    return this.writes.splice(0);
  }
}

const statusOf = (fake: FakeCluster) => fake.cluster.status!;
const condition = (fake: FakeCluster, type: string) => statusOf(fake).conditions!.find((c) => c.type === type)!;

describe('creating a cluster', () => {
  test('applies every rendered object once and writes the status once', async () => {
    const fake = new FakeCluster();
    await new ClusterReconciler(fake.deps()).reconcile(KEY);
    // What the pods need first, then the StatefulSets that start them.
    assert.deepEqual(fake.takeWrites(), [
      'apply Service/example-atomixcluster-service',
      'apply ConfigMap/example-atomixcluster-management-config',
      'apply PodDisruptionBudget/example-atomixcluster-management',
      'apply ConfigMap/example-atomixcluster-raft-config',
      'apply PodDisruptionBudget/example-atomixcluster-raft',
      'apply Service/example-atomixcluster-raft',
      'apply StatefulSet/example-atomixcluster-management',
      'apply StatefulSet/example-atomixcluster-raft',
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
    assert.deepEqual(statusOf(fake).partitionGroups, [{ name: 'raft', replicas: 3, readyReplicas: 3 }]);
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
    fake.objects.get('StatefulSet/example-atomixcluster-raft')!.status = { observedGeneration: 0, readyReplicas: 1, updatedReplicas: 1 };
    fake.objects.get('StatefulSet/example-atomixcluster-management')!.status = { readyReplicas: 1, updatedReplicas: 1 };
    fake.nowMs += 1_000;
    const outcome = await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
    // Requeued for whichever comes first: the end of the coalescing, or a re-check of its own recent applies.
    assert.equal(outcome.requeueAfterMs, Math.min(STATUS_COALESCE_MS, CACHE_LAG_TOLERANCE_MS) - 1_000);
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
    assert.equal(first.requeueAfterMs, CACHE_LAG_TOLERANCE_MS);
    assert.deepEqual(fake.takeWrites().slice(-1), ['status']);
    fake.nowMs += 1_000;
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), [], 'neither the objects nor the status are written again');
    // Past the tolerance the cache is believed: objects still missing are applied again.
    fake.nowMs += CACHE_LAG_TOLERANCE_MS;
    await reconciler.reconcile(KEY);
    assert.equal(fake.takeWrites().filter((w) => w.startsWith('apply')).length, 8);
  });
});

describe('keeping a cluster converged', () => {
  async function converged() {
    const fake = new FakeCluster();
    const reconciler = new ClusterReconciler(fake.deps());
    await reconciler.reconcile(KEY);
    fake.allPodsReady();
    await reconciler.reconcile(KEY);
    fake.takeWrites();
    fake.nowMs += CACHE_LAG_TOLERANCE_MS;
    return { fake, reconciler };
  }

  test('an owned object edited by hand is applied again', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.get('ConfigMap/example-atomixcluster-raft-config')!.data['atomix.conf'] = '{}';
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['apply ConfigMap/example-atomixcluster-raft-config']);
    assert.ok(fake.events.includes('Normal Updated updated ConfigMap example-atomixcluster-raft-config'));
  });

  test('an owned object deleted by hand is created again', async () => {
    const { fake, reconciler } = await converged();
    fake.objects.delete('Service/example-atomixcluster-raft');
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), ['apply Service/example-atomixcluster-raft']);
  });

  test('removing a group deletes its objects and nothing else', async () => {
    const { fake, reconciler } = await converged();
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
    fake.objects.set('ConfigMap/someone-else', { kind: 'ConfigMap', metadata: { name: 'someone-else', ownerReferences: [{ uid: 'other', controller: true }] } });
    await reconciler.reconcile(KEY);
    assert.deepEqual(fake.takeWrites(), []);
  });

  test('a storage change, which a StatefulSet cannot take, is reported as Degraded and not applied', async () => {
    const { fake, reconciler } = await converged();
    fake.cluster.spec.partitionGroups![0]!.raft!.storage.size = '10G';
    fake.cluster.metadata.generation = 2;
    await assert.rejects(reconciler.reconcile(KEY), /storage size and className cannot change/);
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
    (fake.cluster.spec.partitionGroups![0] as Json).log = {};
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
