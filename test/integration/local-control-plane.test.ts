import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api, type V1StatefulSet } from '@kubernetes/client-node';
import { statusCodeOf } from '../../src/kube/errors.js';
import {
  adminKubeConfig,
  adminUser,
  auditedWrites,
  createTestNamespace,
  nodeNames,
  readinessAnnotation,
  serviceAccountKubeConfig,
  waitFor,
} from '../support/cluster.js';

const replicas = 3;

function statefulSet(name: string): V1StatefulSet {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      podManagementPolicy: 'Parallel',
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/never-pulled:1' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            storageClassName: 'fast-disks',
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      ],
    },
  };
}

describe('local control plane', () => {
  const admin = adminKubeConfig();
  const apps = admin.makeApiClient(AppsV1Api);
  const core = admin.makeApiClient(CoreV1Api);
  const name = 'web';
  const createdNamespace = createTestNamespace('local-cp');
  let namespace = '';

  const readyReplicas = async () => (await apps.readNamespacedStatefulSet({ name, namespace })).status?.readyReplicas ?? 0;
  const podsOf = async () => (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
  const claimsOf = async () => (await core.listNamespacedPersistentVolumeClaim({ namespace })).items;

  before(async () => {
    namespace = await createdNamespace;
  });

  test('a Parallel StatefulSet with volume claim templates becomes ready with bound claims', async (t) => {
    const createdAt = Date.now();
    await apps.createNamespacedStatefulSet({ namespace, body: statefulSet(name) });
    await waitFor(async () => (await readyReplicas()) === replicas, { what: `${replicas} ready replicas`, timeoutMs: 60_000 });
    t.diagnostic(`${replicas} pods ready ${Date.now() - createdAt} ms after the StatefulSet was created`);

    const pods = await podsOf();
    assert.equal(pods.length, replicas);
    for (const pod of pods) {
      assert.equal(pod.status?.phase, 'Running');
      assert.ok(nodeNames().includes(pod.spec?.nodeName ?? ''), `${String(pod.metadata?.name)} is bound to a local node`);
      assert.match(pod.status.podIP ?? '', /^10\.\d+\.\d+\.\d+$/);
      assert.equal(pod.status.containerStatuses?.[0]?.ready, true);
      const ready = pod.status.conditions?.find((condition) => condition.type === 'Ready');
      assert.equal(ready?.status, 'True');
      assert.ok(ready.lastTransitionTime, 'the Ready condition has a lastTransitionTime');
    }
    assert.equal(new Set(pods.map((pod) => pod.status?.podIP)).size, replicas, 'pod IPs are unique');

    const claims = await claimsOf();
    assert.deepEqual(claims.map((claim) => claim.metadata?.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
    for (const claim of claims) {
      assert.equal(claim.status?.phase, 'Bound');
      assert.equal(claim.spec?.storageClassName, 'fast-disks');
    }
  });

  test('a pod annotated not ready drops out of readyReplicas until the annotation is removed', async () => {
    const pod = `${name}-1`;
    const annotate = async (value: string | undefined) => {
      const { [readinessAnnotation]: _previous, ...others } = (await core.readNamespacedPod({ name: pod, namespace })).metadata?.annotations ?? {};
      const annotations = value === undefined ? others : { ...others, [readinessAnnotation]: value };
      await core.patchNamespacedPod({ name: pod, namespace, body: [{ op: 'add', path: '/metadata/annotations', value: annotations }] });
    };

    await annotate('false');
    await waitFor(async () => (await readyReplicas()) === replicas - 1, { what: 'one replica less to be ready' });
    const notReady = await core.readNamespacedPod({ name: pod, namespace });
    assert.equal(notReady.status?.phase, 'Running');
    assert.equal(notReady.status.conditions?.find((condition) => condition.type === 'Ready')?.status, 'False');

    await annotate(undefined);
    await waitFor(async () => (await readyReplicas()) === replicas, { what: 'all replicas to be ready again' });
  });

  test('a rolling update replaces every pod and they become ready again', async () => {
    const before = new Map((await podsOf()).map((pod) => [pod.metadata?.name, pod.metadata?.uid]));
    await apps.patchNamespacedStatefulSet({
      name,
      namespace,
      body: [{ op: 'add', path: '/spec/template/metadata/annotations', value: { revision: '2' } }],
    });
    await waitFor(
      async () => {
        const { metadata, status } = await apps.readNamespacedStatefulSet({ name, namespace });
        return (
          status?.observedGeneration === metadata?.generation &&
          status?.updateRevision === status?.currentRevision &&
          status?.updatedReplicas === replicas &&
          status.readyReplicas === replicas
        );
      },
      { what: 'the rollout to finish', timeoutMs: 60_000 },
    );
    for (const pod of await podsOf()) {
      assert.notEqual(pod.metadata?.uid, before.get(pod.metadata?.name), `${String(pod.metadata?.name)} was replaced`);
    }
  });

  test('scaling down removes the highest ordinals and keeps their claims', async () => {
    await apps.patchNamespacedStatefulSetScale({ name, namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] });
    await waitFor(async () => (await podsOf()).length === 1, { what: 'two pods to be removed' });
    assert.deepEqual((await podsOf()).map((pod) => pod.metadata?.name), [`${name}-0`]);
    assert.equal((await claimsOf()).length, replicas);
  });

  test('deleting the StatefulSet garbage-collects its pods and keeps its claims', async () => {
    await apps.deleteNamespacedStatefulSet({ name, namespace });
    await waitFor(async () => (await podsOf()).length === 0, { what: 'the pods to be garbage-collected', timeoutMs: 60_000 });
    const claims = await claimsOf();
    assert.equal(claims.length, replicas);
    assert.ok(claims.every((claim) => claim.status?.phase === 'Bound' && !claim.metadata?.deletionTimestamp));
  });

  test('deleting a claim deletes its volume', async () => {
    const volumes = new Set((await claimsOf()).map((claim) => claim.spec?.volumeName));
    await core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace });
    const remaining = async () => (await core.listPersistentVolume()).items.filter((volume) => volumes.has(volume.metadata?.name));
    await waitFor(async () => (await remaining()).length === 0, { what: 'the volumes to be deleted' });
    assert.deepEqual(await claimsOf(), []);
  });

  test('a ServiceAccount can do what its RBAC grants and nothing else', async () => {
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const reader = (await serviceAccountKubeConfig(namespace, 'reader')).makeApiClient(CoreV1Api);

    await waitFor(async () => (await reader.listNamespacedPod({ namespace })).items, { what: 'the Role to be in effect' });
    const denied = await reader.listNamespacedSecret({ namespace }).then(
      () => undefined,
      (error: unknown) => statusCodeOf(error),
    );
    assert.equal(denied, 403);
  });

  test('the audit log records the admin’s write requests', async () => {
    const since = new Date();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'audited' }, data: { a: '1' } } });
    await core.deleteNamespacedConfigMap({ name: 'audited', namespace });

    const writes = await waitFor(
      () => {
        const found = auditedWrites({ user: adminUser, since }).filter((write) => write.namespace === namespace);
        return found.length >= 2 && found;
      },
      { what: 'the admin’s writes in the audit log', timeoutMs: 10_000 },
    );
    assert.deepEqual(
      writes.map(({ verb, resource, namespace: ns, name: object, code }) => ({ verb, resource, namespace: ns, name: object, code })),
      [
        { verb: 'create', resource: 'configmaps', namespace, name: 'audited', code: 201 },
        { verb: 'delete', resource: 'configmaps', namespace, name: 'audited', code: 200 },
      ],
    );
    const statefulSetCreation = auditedWrites({ user: adminUser }).find(
      (write) => write.verb === 'create' && write.resource === 'statefulsets' && write.namespace === namespace,
    );
    assert.equal(statefulSetCreation?.apiGroup, 'apps');
  });
});
