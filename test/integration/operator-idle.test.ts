// Idle clusters with every optional field set, non-canonical quantities included (values the
// API server rewrites when it stores the StatefulSets): after they converge, a resync costs no
// write, and no object was ever applied twice (atomix_operator_object_applies_total). 30 clusters
// (180 simulated pods) show it; the 100-cluster, 10-minute figure is npm run bench:steady's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorMetrics } from '../../src/kube/metrics.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { auditedWrites, createTestNamespace, waitFor } from '../support/cluster.js';
import { readManifest } from '../support/manifests.js';
import { adminClient, createCluster, installShippedRbac, isReadyNow, operatorUser, startOperator } from '../support/operator.js';
import { NON_CANONICAL_RESOURCES } from '../support/value-cases.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { validateCluster } from '../../src/api/validate.js';
import { renderCluster } from '../../src/render/index.js';

const CLUSTERS = 30;
const BATCH = 10;
const RESYNC_MS = 10_000;

const env = [
  { name: 'JAVA_OPTS', value: '-Xmx256m' },
  { name: 'FROM_FIELD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
];
const storage = { size: '0.5Gi', className: 'local', segmentSize: '32M', entrySize: '2M', level: 'mapped', flushOnCommit: true };
const node = { env, resources: NON_CANONICAL_RESOURCES };

function fullySpecified(name: string): object {
  const base = readManifest('deploy/crds/atomixcluster_cr.yaml') as { apiVersion: string; kind: string };
  return {
    apiVersion: base.apiVersion,
    kind: base.kind,
    metadata: { name, labels: { team: 'idle' }, annotations: { note: 'every optional field' } },
    spec: {
      version: '3.1.0',
      managementGroup: { size: 1, ...node, storage },
      partitionGroups: [
        { name: 'raft', size: 1, partitions: 2, ...node, raft: { storage, compaction: { dynamic: false, freeDiskBuffer: 0.3, freeMemoryBuffer: 0.1 }, partitionSize: 1 } },
        { name: 'pb', size: 1, partitions: 3, ...node, primaryBackup: { memberGroupStrategy: 'host-aware' } },
        { name: 'log', size: 1, partitions: 1, ...node, log: { storage, compaction: { size: '512M', age: '1h' }, memberGroupStrategy: 'rack-aware' } },
      ],
      benchmark: { size: 1, ...node },
    },
  };
}

describe(`${CLUSTERS} idle clusters with every optional field set`, { timeout: 1_200_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('idle');
  await installShippedRbac(admin, namespace);
  const metrics = new OperatorMetrics({ processMetrics: false });
  await startOperator(namespace, { resyncMs: RESYNC_MS, metrics });
  const names = Array.from({ length: CLUSTERS }, (_, i) => `idle-${String(i).padStart(3, '0')}`);
  const clusterList = async () =>
    (await admin.request<{ items: AtomixCluster[] }>({ method: 'GET', path: collectionPath(resources.atomixClusters, namespace) })).items;

  test('converge, with every object applied exactly once', async () => {
    // In batches, so the simulated node is not asked to start 600 pods at once.
    for (let batch = 0; batch < CLUSTERS; batch += BATCH) {
      for (const name of names.slice(batch, batch + BATCH)) await createCluster(admin, namespace, fullySpecified(name));
      await waitFor(async () => (await clusterList()).filter(isReadyNow).length >= Math.min(batch + BATCH, CLUSTERS), {
        what: `clusters up to ${batch + BATCH} to become Ready`,
        timeoutMs: 300_000,
        intervalMs: 2_000,
      });
    }
    // Group health is probed after a group's members turn Ready: converged means Quorate too.
    await waitFor(async () => (await clusterList()).every((cluster) => cluster.status?.conditions?.find((c) => c.type === 'Quorate')?.status === 'True'), {
      what: 'every cluster to be Quorate',
      timeoutMs: 120_000,
      intervalMs: 2_000,
    });
    const sts = await admin.request<{ spec: { template: { spec: { containers: { resources: unknown }[] } } } }>({
      method: 'GET',
      path: objectPath(resources.statefulSets, namespace, 'idle-000-management'),
    });
    // The API server stored its canonical form (1m), not what the operator sent (0.0000000001).
    assert.deepEqual((sts.spec.template.spec.containers[0]?.resources as { requests: object }).requests, { cpu: '1m', memory: '1e3', 'ephemeral-storage': '1536Mi' });
    const appliesMetric = metrics.registry.getSingleMetric('atomix_operator_object_applies_total');
    assert.ok(appliesMetric, 'the applies counter is registered');
    const applies = await appliesMetric.get();
    const repeated = applies.values.filter((sample) => sample.value > 1);
    assert.deepEqual(repeated.map((sample) => sample.labels), [], 'no object applied more than once');
    const validated = validateCluster({ ...fullySpecified('count'), metadata: { name: 'count', namespace } });
    assert.ok(validated.ok);
    assert.equal(applies.values.length, CLUSTERS * renderCluster(validated.cluster).length, 'every owned object was applied');
  });

  test('make no write over resyncs', async (t) => {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 2.5 * RESYNC_MS));
    const writes = auditedWrites({ user: operatorUser(namespace), since });
    t.diagnostic(`operator writes over ${(2.5 * RESYNC_MS) / 1000} s (2 resyncs of ${CLUSTERS} clusters): ${writes.length}`);
    assert.deepEqual(writes, []);
  });
});
