// Objects the operator does not control, on the real API server: a foreign ConfigMap, Service and
// Ingress in the way are left exactly as they are (and survive the cluster's deletion), the
// cluster says NameConflict, and the name is taken once the object is gone; two clusters whose
// names collide keep the first owner.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { statusCodeOf } from '../../src/kube/errors.js';
import { collectionPath, objectPath, resources, type ResourceType } from '../../src/kube/resources.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import type { KubeClient } from '../../src/kube/client.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, clusterPath, createCluster, degradedCondition, eventsAbout, getCluster, installShippedRbac, isReadyNow, readyCondition, startOperator } from '../support/operator.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const withBenchmark = mergePatch(example, readManifest('deploy/crds/atomixcluster_cr_bench.yaml'));

/** The fields of a ConfigMap, Service or Ingress these tests compare. */
type Json = KubernetesObject & { data?: Record<string, string>; spec?: { selector?: unknown; defaultBackend?: unknown } };

async function createForeign(admin: KubeClient, resource: ResourceType, namespace: string, body: object): Promise<Json> {
  return admin.request<Json>({ method: 'POST', path: collectionPath(resource, namespace), query: { fieldManager: 'kubectl-create' }, body });
}

async function read(admin: KubeClient, resource: ResourceType, namespace: string, name: string): Promise<Json | undefined> {
  return admin.request<Json>({ method: 'GET', path: objectPath(resource, namespace, name) }).catch((error: unknown) => {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  });
}

const named = (name: string, manifest: unknown) => mergePatch(manifest, { metadata: { name } }) as object;

async function waitForConflict(admin: KubeClient, namespace: string, name: string, what: RegExp): Promise<AtomixCluster> {
  return waitFor(
    async () => {
      const cluster = await getCluster(admin, namespace, name);
      const degraded = degradedCondition(cluster);
      return degraded?.status === 'True' && degraded.reason === 'NameConflict' && what.test(degraded.message) ? cluster : undefined;
    },
    { what: `${name} to report a NameConflict matching ${String(what)}`, timeoutMs: 90_000 },
  );
}

describe('objects the operator does not control', { timeout: 600_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('ownership');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace);

  test('a foreign ConfigMap, Service and Ingress are untouched, reported as NameConflict, and outlive the cluster', async () => {
    const cluster = 'hijack';
    const foreign = [
      await createForeign(admin, resources.configMaps, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${cluster}-raft-config` }, data: { owner: 'team-a' } }),
      await createForeign(admin, resources.services, namespace, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${cluster}-raft` },
        spec: { selector: { app: 'team-a' }, ports: [{ port: 80 }] },
      }),
      await createForeign(admin, resources.ingresses, namespace, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: `${cluster}-bench` },
        spec: { defaultBackend: { service: { name: 'team-a', port: { number: 80 } } } },
      }),
    ];
    const resourceOf = (object: Json): ResourceType => {
      const resource = [resources.configMaps, resources.services, resources.ingresses].find((r) => r.kind === object.kind);
      assert.ok(resource, `no resource for ${String(object.kind)}`);
      return resource;
    };
    const assertUntouched = async () => {
      for (const before of foreign) {
        const what = `${String(before.kind)} ${String(before.metadata?.name)}`;
        const now = await read(admin, resourceOf(before), namespace, before.metadata?.name ?? '');
        assert.ok(now, `${what} still exists`);
        assert.equal(now.metadata?.resourceVersion, before.metadata?.resourceVersion, `${what} was not written to`);
        assert.equal(now.metadata?.ownerReferences, undefined);
        assert.deepEqual(now.data ?? now.spec?.selector ?? now.spec?.defaultBackend, before.data ?? before.spec?.selector ?? before.spec?.defaultBackend);
      }
    };

    await createCluster(admin, namespace, named(cluster, withBenchmark));
    const conflicted = await waitForConflict(admin, namespace, cluster, /Ingress hijack-bench/);
    const message = degradedCondition(conflicted)?.message ?? '';
    for (const object of foreign) assert.match(message, new RegExp(`${String(object.kind)} ${String(object.metadata?.name)} already exists, managed by "kubectl-create"`));
    assert.equal(readyCondition(conflicted)?.status, 'False');
    await assertUntouched();
    // The rest of the cluster is there; the group that would mount the foreign ConfigMap waits.
    await waitFor(() => read(admin, resources.statefulSets, namespace, `${cluster}-management`), { what: 'the management StatefulSet' });
    assert.equal(await read(admin, resources.statefulSets, namespace, `${cluster}-raft`), undefined);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const warnings = (await eventsAbout(admin, namespace, cluster)).filter((event) => event.type === 'Warning');
    assert.deepEqual(warnings.map((event) => event.reason), ['NameConflict']);

    await admin.request({ method: 'DELETE', path: clusterPath(namespace, cluster) });
    await waitFor(async () => (await read(admin, resources.statefulSets, namespace, `${cluster}-management`)) === undefined, {
      what: 'the cluster\'s own objects to be garbage-collected',
      timeoutMs: 90_000,
    });
    await assertUntouched();
  });

  test('when the object in the way is deleted, the operator takes the name', async () => {
    const cluster = 'late';
    await createForeign(admin, resources.configMaps, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${cluster}-management-config` }, data: { owner: 'team-b' } });
    const created = await createCluster(admin, namespace, named(cluster, example));
    await waitForConflict(admin, namespace, cluster, /ConfigMap late-management-config/);
    await admin.request({ method: 'DELETE', path: objectPath(resources.configMaps, namespace, `${cluster}-management-config`) });
    const taken = await waitFor(
      async () => {
        const configMap = await read(admin, resources.configMaps, namespace, `${cluster}-management-config`);
        return configMap?.metadata?.ownerReferences?.[0]?.uid === created.metadata.uid ? configMap : undefined;
      },
      { what: 'the ConfigMap to be created by the operator', timeoutMs: 90_000 },
    );
    assert.match(taken.data?.['atomix.conf'] ?? '', /"members"/);
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, cluster)), { what: 'the cluster to become Ready', timeoutMs: 120_000 });
  });

  test('two clusters whose names collide: the first keeps its objects, the second reports NameConflict until they go', async () => {
    const first = mergePatch(named('x', example), { spec: { partitionGroups: [{ name: 'y-raft', raft: {} }] } }) as object;
    const second = mergePatch(named('x-y', example), { spec: { partitionGroups: [{ name: 'raft', raft: {} }] } }) as object;
    const owner = await createCluster(admin, namespace, first);
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, 'x')), { what: 'cluster x to become Ready', timeoutMs: 120_000 });
    await createCluster(admin, namespace, second);
    await waitForConflict(admin, namespace, 'x-y', /Service x-y-raft already exists, controlled by AtomixCluster x.*StatefulSet x-y-raft is not applied/);
    for (const resource of [resources.statefulSets, resources.services, resources.podDisruptionBudgets]) {
      const object = await read(admin, resource, namespace, 'x-y-raft');
      assert.equal(object?.metadata?.ownerReferences?.[0]?.uid, owner.metadata.uid, `${resource.kind} x-y-raft still belongs to x`);
    }
    assert.ok(isReadyNow(await getCluster(admin, namespace, 'x')), 'the first cluster is unaffected');
    await admin.request({ method: 'DELETE', path: clusterPath(namespace, 'x') });
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, 'x-y')), { what: 'x-y to take the names once x is gone', timeoutMs: 180_000 });
  });
});
