// The pause annotation against the real control plane, writes counted in the API server's audit
// log: while agent.atomix.io/paused is "true" the operator makes one status write (Paused) and
// nothing else, whatever changes (spec, owned objects deleted by hand, resyncs); removing the
// annotation brings everything back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectPath, resources } from '../../src/kube/resources.js';
import { auditedWrites, createTestNamespace, waitFor } from '../support/cluster.js';
import { readManifest } from '../support/manifests.js';
import { adminClient, createCluster, getCluster, installShippedRbac, isReadyNow, mergePatchCluster, namesOf, operatorUser, startOperator } from '../support/operator.js';

const RESYNC_MS = 2_000;
const example = readManifest('deploy/crds/atomixcluster_cr.yaml') as { metadata: { name: string }; spec: { partitionGroups: object[] } };
const CLUSTER = example.metadata.name;

describe('a paused cluster', { timeout: 300_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('pause');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace, { resyncMs: RESYNC_MS });
  const paused = (value: string | null) => mergePatchCluster(admin, namespace, CLUSTER, { metadata: { annotations: { 'agent.atomix.io/paused': value } } });
  const progressingReason = async () => (await getCluster(admin, namespace, CLUSTER)).status?.conditions?.find((c) => c.type === 'Progressing')?.reason;

  test('costs one status write (Paused) and nothing more while its spec changes and its objects vanish', async (t) => {
    await createCluster(admin, namespace, example);
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, CLUSTER)), { what: 'the cluster to be Ready', timeoutMs: 120_000 });
    const since = new Date();
    await paused('true');
    await waitFor(async () => (await progressingReason()) === 'Paused', { what: 'the status to say Paused' });
    const [raft] = example.spec.partitionGroups;
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { partitionGroups: [{ ...raft, env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }] }], benchmark: { size: 1 } } });
    await admin.request({ method: 'DELETE', path: objectPath(resources.configMaps, namespace, `${CLUSTER}-raft-config`) });
    await new Promise((resolve) => setTimeout(resolve, 4 * RESYNC_MS));
    const writes = auditedWrites({ user: operatorUser(namespace), since });
    t.diagnostic(`operator writes while paused (${(4 * RESYNC_MS) / 1000} s after the changes, 4 resyncs): ${writes.map((w) => [w.verb, w.resource, w.subresource].join(' ')).join(', ')}`);
    assert.deepEqual(writes.map((w) => [w.verb, w.resource, w.subresource]), [['patch', 'atomixclusters', 'status']]);
    assert.equal(await progressingReason(), 'Paused');
  });

  test('unpaused, the operator applies the changes and puts back what vanished', async () => {
    await paused(null);
    await waitFor(async () => (await namesOf(admin, resources.configMaps, namespace, CLUSTER)).includes(`${CLUSTER}-raft-config`), { what: 'the ConfigMap to be back' });
    await waitFor(async () => (await namesOf(admin, resources.statefulSets, namespace, CLUSTER)).includes(`${CLUSTER}-bench-worker`), { what: 'the benchmark to be created' });
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, CLUSTER)), { what: 'the cluster to be Ready again', timeoutMs: 120_000 });
    assert.notEqual(await progressingReason(), 'Paused');
  });
});
