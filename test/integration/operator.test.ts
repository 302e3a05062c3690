// The seed scenarios against the real control plane, with the operator running as
// the ServiceAccount of deploy/ and exactly the shipped RBAC.
import { after, describe, test } from 'node:test';
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { createTestNamespace, waitFor, auditedWrites, readinessAnnotation } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import {
  adminClient,
  clusterPath,
  createCluster,
  getCluster,
  installShippedRbac,
  mergePatchCluster,
  namesOf,
  operatorUser,
  readyCondition,
  startOperator,
} from '../support/operator.js';

const CLUSTER = 'example-atomixcluster';
const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const basePatch = { spec: { partitionGroups: (example as { spec: { partitionGroups: unknown } }).spec.partitionGroups } };

describe('the operator, as its ServiceAccount with the shipped RBAC', { timeout: 600_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('operator');
  const statefulSets = () => namesOf(admin, resources.statefulSets, namespace, CLUSTER);
  const services = () => namesOf(admin, resources.services, namespace, CLUSTER);
  const ready = (what: string, check: (cluster: AtomixCluster) => boolean = () => true) =>
    waitFor(
      async () => {
        const cluster = await getCluster(admin, namespace, CLUSTER);
        return readyCondition(cluster)?.status === 'True' && cluster.status?.observedGeneration === cluster.metadata.generation && check(cluster) ? cluster : undefined;
      },
      { what, timeoutMs: 90_000 },
    );

  // In the suite's body, not a before hook: the helpers register their cleanup with `after`.
  await installShippedRbac(admin, namespace);
  const running = await startOperator(namespace, { resyncMs: 2_000 });

  test('creates the README example: StatefulSets, services, config, budgets, and an honest status', async () => {
    const since = new Date();
    await createCluster(admin, namespace, example);
    // Ready counts the StatefulSets' Ready pods; `available` is the write probe's verdict on the
    // pods the cache saw in that pass, which may lag the StatefulSet status by one pass.
    const cluster = await ready('the example to become Ready with every group writable', (c) => c.status?.partitionGroups?.every((group) => group.available === true) ?? false);
    assert.deepEqual(await statefulSets(), [`${CLUSTER}-management`, `${CLUSTER}-raft`]);
    assert.deepEqual(await services(), [`${CLUSTER}-raft`, `${CLUSTER}-service`]);
    assert.deepEqual(await namesOf(admin, resources.configMaps, namespace, CLUSTER), [`${CLUSTER}-management-config`, `${CLUSTER}-raft-config`]);
    assert.deepEqual(await namesOf(admin, resources.podDisruptionBudgets, namespace, CLUSTER), [`${CLUSTER}-management`, `${CLUSTER}-raft`]);
    assert.equal(cluster.status?.serviceName, `${CLUSTER}-service`);
    assert.equal(cluster.status.readyGroups, '2/2');
    const revision = cluster.status.partitionGroups?.[0]?.updateRevision;
    assert.match(revision ?? '', new RegExp(`^${CLUSTER}-raft-[0-9a-z]+$`), 'the StatefulSet revision of the group');
    assert.deepEqual(cluster.status.partitionGroups, [
      { name: 'raft', replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: revision, updateRevision: revision, available: true },
    ]);
    // The schema defaults were applied by the API server.
    assert.equal(cluster.spec.partitionGroups?.[0]?.raft?.storage.segmentSize, '64M');
    const writes = auditedWrites({ user: operatorUser(namespace), since });
    const applies = writes.filter((w) => w.verb === 'patch' && !w.subresource && w.resource !== 'events');
    const statusWrites = writes.filter((w) => w.subresource === 'status');
    assert.ok(applies.length <= 8, `at most one write per owned object (8), got ${applies.length}`);
    assert.ok(statusWrites.length <= 2, `at most two status writes, got ${statusWrites.length}`);
  });

  test('in steady state it makes no write, resyncs and re-watches included', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const since = new Date();
    // Several resyncs (every 2 s) and watch restarts (server timeout 7 s) happen in this window.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    assert.deepEqual(auditedWrites({ user: operatorUser(namespace), since }), []);
  });

  test('corrects drift: an owned object deleted or edited by hand comes back', async () => {
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/services/${CLUSTER}-raft` });
    await admin.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace}/configmaps/${CLUSTER}-raft-config`,
      body: { data: { 'atomix.conf': '{}' } },
      contentType: 'application/merge-patch+json',
    });
    await waitFor(async () => (await services()).includes(`${CLUSTER}-raft`), { what: 'the deleted service to come back' });
    await waitFor(
      async () => {
        const configMap = await admin.request<{ data: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps/${CLUSTER}-raft-config` });
        return configMap.data['atomix.conf']?.includes('"members"');
      },
      { what: 'the edited config to be restored' },
    );
  });

  test('status reflects a group whose pod is not ready, and recovers', async () => {
    const pod = `${CLUSTER}-raft-1`;
    const annotate = (value: string | null) =>
      admin.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${namespace}/pods/${pod}`,
        body: { metadata: { annotations: { [readinessAnnotation]: value } } },
        contentType: 'application/merge-patch+json',
      });
    await annotate('false');
    const degraded = await waitFor(
      async () => {
        const cluster = await getCluster(admin, namespace, CLUSTER);
        return readyCondition(cluster)?.status === 'False' ? cluster : undefined;
      },
      { what: 'Ready to turn False', timeoutMs: 60_000 },
    );
    assert.equal(degraded.status?.readyGroups, '1/2');
    assert.match(readyCondition(degraded)?.message ?? '', /raft 2\/3/);
    await annotate(null);
    await ready('Ready to come back');
  });

  for (const [patchFile, group, kinds] of [
    ['atomixcluster_cr_raft.yaml', 'consensus', ['StatefulSet', 'Service']],
    ['atomixcluster_cr_primary_backup.yaml', 'primary-backup', ['StatefulSet', 'Service']],
    ['atomixcluster_cr_log.yaml', 'log', ['StatefulSet', 'Service']],
  ] as const) {
    test(`kubectl patch --type=merge with ${patchFile} adds the ${group} group; removing it deletes its objects`, async () => {
      await mergePatchCluster(admin, namespace, CLUSTER, readManifest(`deploy/crds/${patchFile}`));
      await ready(`the ${group} group to be ready`, (c) => c.status?.readyGroups === '3/3');
      assert.ok((await statefulSets()).includes(`${CLUSTER}-${group}`), kinds.join());
      assert.ok((await services()).includes(`${CLUSTER}-${group}`));
      await mergePatchCluster(admin, namespace, CLUSTER, basePatch);
      await waitFor(async () => !(await statefulSets()).includes(`${CLUSTER}-${group}`), { what: `the ${group} StatefulSet to be deleted` });
      await waitFor(async () => !(await services()).includes(`${CLUSTER}-${group}`), { what: `the ${group} service to be deleted` });
      assert.ok(!(await namesOf(admin, resources.configMaps, namespace, CLUSTER)).includes(`${CLUSTER}-${group}-config`));
      if (group !== 'primary-backup') {
        const claims = await namesOf(admin, resources.persistentVolumeClaims, namespace, CLUSTER);
        assert.ok(claims.includes(`data-${CLUSTER}-${group}-0`), `the ${group} group's data volumes are kept: ${claims.join()}`);
      }
    });
  }

  test('the benchmark patch adds workers, a coordinator and its Ingress; removing it deletes them', async () => {
    await mergePatchCluster(admin, namespace, CLUSTER, readManifest('deploy/crds/atomixcluster_cr_bench.yaml'));
    await ready('the benchmark to be ready', (c) => c.status?.benchmark?.readyReplicas === 4);
    assert.deepEqual(
      (await statefulSets()).filter((name) => name.includes('bench')),
      [`${CLUSTER}-bench-coordinator`, `${CLUSTER}-bench-worker`],
    );
    assert.deepEqual(await namesOf(admin, resources.ingresses, namespace, CLUSTER), [`${CLUSTER}-bench`]);
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { benchmark: null } });
    await waitFor(async () => (await namesOf(admin, resources.ingresses, namespace, CLUSTER)).length === 0, { what: 'the Ingress to be deleted' });
    await waitFor(async () => !(await statefulSets()).some((name) => name.includes('bench')), { what: 'the bench StatefulSets to be deleted' });
  });

  test('a larger storage size grows the PVCs in place and recreates the StatefulSet without restarting its pods', async () => {
    const claims = () => admin.request<{ items: V1PersistentVolumeClaim[] }>({ method: 'GET', path: collectionPath(resources.persistentVolumeClaims, namespace), query: { labelSelector: `app=${CLUSTER},type=managment` } });
    const pods = async () => (await admin.request<{ items: V1Pod[] }>({ method: 'GET', path: collectionPath(resources.pods, namespace), query: { labelSelector: `app=${CLUSTER},type=managment` } })).items.map((pod) => pod.metadata?.uid);
    const podsBefore = await pods();
    const setBefore = await admin.request<V1StatefulSet>({ method: 'GET', path: objectPath(resources.statefulSets, namespace, `${CLUSTER}-management`) });
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { managementGroup: { storage: { size: '5G' } } } });
    await waitFor(
      async () => {
        const set = await admin.request<V1StatefulSet>({ method: 'GET', path: objectPath(resources.statefulSets, namespace, `${CLUSTER}-management`) });
        return set.metadata?.uid !== setBefore.metadata?.uid && set.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'] === '5G';
      },
      { what: 'the management StatefulSet to be recreated with 5G claims', timeoutMs: 60_000 },
    );
    for (const claim of (await claims()).items) assert.equal(claim.status?.capacity?.['storage'], '5G', `${claim.metadata?.name ?? ''} grew`);
    await ready('the cluster to be Ready after the growth');
    assert.deepEqual(await pods(), podsBefore, 'the same pods, never deleted');
  });

  test('a class that cannot expand: Degraded StorageExpansionRefused, with the API server\'s reason', async () => {
    const storageClass = `no-expansion-${namespace}`;
    await admin.request({
      method: 'POST',
      path: collectionPath(resources.storageClasses),
      body: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: storageClass }, provisioner: 'local.atomix.io/directory', volumeBindingMode: 'Immediate', allowVolumeExpansion: false },
    });
    after(() => admin.request({ method: 'DELETE', path: objectPath(resources.storageClasses, undefined, storageClass) }));
    const name = 'fixed-size';
    await createCluster(admin, namespace, mergePatch(example, { metadata: { name }, spec: { version: '3.1.12', managementGroup: { storage: { className: storageClass } }, partitionGroups: [] } }) as object);
    const state = async () => (await getCluster(admin, namespace, name)).status?.conditions;
    await waitFor(async () => (await state())?.find((c) => c.type === 'Ready')?.status === 'True', { what: `${name} to be Ready`, timeoutMs: 60_000 });
    await mergePatchCluster(admin, namespace, name, { spec: { managementGroup: { storage: { size: '3G' } } } });
    const degraded = await waitFor(async () => (await state())?.find((c) => c.type === 'Degraded' && c.status === 'True'), { what: 'Degraded', timeoutMs: 60_000 });
    assert.equal(degraded.reason, 'StorageExpansionRefused');
    assert.match(degraded.message, /cannot grow to 3G .*storageclass that provisions the pvc must support resize.*nothing was changed/);
    const set = await admin.request<V1StatefulSet>({ method: 'GET', path: objectPath(resources.statefulSets, namespace, `${name}-management`) });
    assert.equal(set.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'], '2G', 'the StatefulSet was left as it was');
  });

  test('the operator never got a permission error', () => {
    const requests = running.client.requests.snapshot();
    const refusedGrowth = (request: { verb: string; resource: string }) => request.verb === 'patch' && request.resource === 'persistentvolumeclaims';
    // The class that cannot expand (above) is refused with a 403; asked once, not again on every pass.
    assert.deepEqual(requests.filter((request) => request.code === '403' && refusedGrowth(request)).map((request) => request.count), [1]);
    assert.deepEqual(requests.filter((request) => request.code === '403' && !refusedGrowth(request)), []);
  });

  test('deleting the AtomixCluster garbage-collects every owned object (the PVCs stay)', async () => {
    await admin.request({ method: 'DELETE', path: clusterPath(namespace, CLUSTER) });
    await waitFor(async () => (await statefulSets()).length === 0 && (await services()).length === 0, {
      what: 'owned objects to be garbage-collected',
      timeoutMs: 90_000,
    });
    assert.deepEqual(await namesOf(admin, resources.configMaps, namespace, CLUSTER), []);
    assert.deepEqual(await namesOf(admin, resources.podDisruptionBudgets, namespace, CLUSTER), []);
    assert.ok((await namesOf(admin, resources.persistentVolumeClaims, namespace, CLUSTER)).length > 0);
  });
});

describe('the API server rejects invalid clusters with the CRD\'s messages', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('invalid');
  const cases: [string, object][] = [
    ['no protocol', { spec: { partitionGroups: [{ name: 'g', size: 1 }] } }],
    ['two protocols', { spec: { partitionGroups: [{ name: 'g', raft: {}, log: {} }] } }],
    ['duplicate names', { spec: { partitionGroups: [{ name: 'g', raft: {} }, { name: 'g', primaryBackup: {} }] } }],
    ['a reserved name', { spec: { partitionGroups: [{ name: 'system', raft: {} }] } }],
    ['identity env', { spec: { managementGroup: { env: [{ name: 'NODE_NAME', value: 'x' }] } } }],
    ['a reserved annotation prefix', { spec: { managementGroup: { annotations: { 'agent.atomix.io/config-hash': 'x' } } } }],
    ['too long a name', { metadata: { name: 'a'.repeat(42) } }],
  ];
  for (const [name, patch] of cases) {
    test(name, async () => {
      const manifest = mergePatch(example, patch);
      const local = validateCluster(manifest);
      assert.ok(!local.ok);
      const error = await createCluster(admin, namespace, manifest as object).then(
        () => assert.fail('the API server accepted an invalid cluster'),
        (e: unknown) => e as { statusCode?: number; message: string },
      );
      assert.equal(error.statusCode, 422);
      for (const expected of local.errors) assert.ok(error.message.includes(expected.message), `API server message "${error.message}" includes "${expected.message}"`);
    });
  }
  test('and rejects wrong types and ranges with their field paths', async () => {
    const manifest = mergePatch(example, { spec: { managementGroup: { size: 0 }, partitionGroups: [{ name: 'Bad_Name', raft: {} }] } });
    const error = await createCluster(admin, namespace, manifest as object).then(
      () => assert.fail('accepted'),
      (e: unknown) => e as { message: string },
    );
    assert.match(error.message, /spec\.managementGroup\.size/);
    assert.match(error.message, /spec\.partitionGroups\[0\]\.name/);
  });
});
