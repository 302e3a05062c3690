import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../src/api/group.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { applyObject } from '../../src/kube/apply.js';
import { needsApply } from '../../src/kube/diff.js';
import { withAppliedHash } from '../../src/kube/hash.js';
import { applyStatus } from '../../src/kube/status-apply.js';
import { KubeClient } from '../../src/kube/client.js';
import { Informer } from '../../src/kube/informer.js';
import { objectPath, resources } from '../../src/kube/resources.js';
import { renderCluster } from '../../src/render/index.js';
import { exampleCluster } from '../support/manifests.js';
import { adminKubeConfig, createTestNamespace, waitFor } from '../support/cluster.js';

const FIELD_MANAGER = 'atomix-operator-test';
const resourceByKind = new Map(Object.values(resources).map((resource) => [resource.kind, resource]));

/** `cluster` as a user applies it: name, namespace and spec. */
function asApplied(cluster: AtomixCluster): KubernetesObject & Pick<AtomixCluster, 'spec'> {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name: cluster.metadata.name, namespace: cluster.metadata.namespace }, spec: cluster.spec };
}

/** One informer per kind among `objects`, in one namespace; stopped by the returned function. */
async function cacheOf(client: KubeClient, namespace: string, kinds: string[]) {
  const informers = new Map<string, Informer>();
  for (const kind of new Set(kinds)) {
    const resource = resourceByKind.get(kind);
    assert.ok(resource, `no resource for ${kind}`);
    const informer = new Informer({ transport: client, resource, namespaces: [namespace], onError: () => {} });
    informer.start();
    informers.set(kind, informer);
  }
  await Promise.all([...informers.values()].map((informer) => informer.waitForSync()));
  return {
    live: (object: KubernetesObject) => informers.get(object.kind ?? '')?.store.get(namespace, object.metadata?.name ?? ''),
    stop: () => Promise.all([...informers.values()].map((informer) => informer.stop())),
  };
}

test('rendered objects need no second apply once the server stored and defaulted them; drift is corrected', async () => {
  const namespace = await createTestNamespace('kube-apply');
  const client = new KubeClient(adminKubeConfig());
  const manifest = exampleCluster(undefined, namespace);
  const created = await applyObject(client.objects, asApplied(manifest), { fieldManager: FIELD_MANAGER });
  const cluster = { ...manifest, metadata: { ...manifest.metadata, uid: created.object.metadata?.uid ?? '' } };
  const desired = renderCluster(cluster) as KubernetesObject[];
  const cache = await cacheOf(client, namespace, desired.map((object) => object.kind ?? ''));
  try {
    const writesBefore = client.requests.writes();
    for (const object of desired) await applyObject(client.objects, object, { fieldManager: FIELD_MANAGER, live: cache.live(object) });
    assert.equal(client.requests.writes() - writesBefore, desired.length, 'one apply per object on creation');

    const stamped = desired.map((object) => withAppliedHash(object));
    await waitFor(() => stamped.every((object) => cache.live(object)?.metadata?.annotations?.['agent.atomix.io/applied-hash'] === object.metadata?.annotations?.['agent.atomix.io/applied-hash']), {
      what: 'the informers to see every applied object',
    });
    for (const object of stamped) {
      assert.equal(needsApply(object, cache.live(object)), false, `${object.kind ?? ''}/${object.metadata?.name ?? ''} needs no apply: ${JSON.stringify(cache.live(object))}`);
    }
    const writesSteady = client.requests.writes();
    for (const object of desired) {
      const result = await applyObject(client.objects, object, { fieldManager: FIELD_MANAGER, live: cache.live(object) });
      assert.equal(result.applied, false);
    }
    assert.equal(client.requests.writes(), writesSteady, 'steady state costs no writes');

    const statefulSet = desired.find((object) => object.kind === 'StatefulSet');
    assert.ok(statefulSet?.metadata?.name);
    const someoneElse = KubernetesObjectApi.makeApiClient(adminKubeConfig());
    const drift = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: statefulSet.metadata.name, namespace }, spec: { replicas: 7 } };
    await someoneElse.patch(drift, undefined, undefined, 'kubectl-edit', undefined, PatchStrategy.MergePatch);
    await waitFor(() => (cache.live(statefulSet) as { spec?: { replicas?: number } } | undefined)?.spec?.replicas === 7, { what: 'the informer to see the drift' });
    const correction = await applyObject(client.objects, statefulSet, { fieldManager: FIELD_MANAGER, live: cache.live(statefulSet) });
    assert.equal(correction.applied, true, 'drift needs an apply');
    await waitFor(() => (cache.live(statefulSet) as { spec?: { replicas?: number } } | undefined)?.spec?.replicas !== 7, { what: 'the drift to be corrected' });
  } finally {
    await cache.stop();
    client.close();
  }
});

test('status is applied through the status subresource once, then recognised as unchanged', async () => {
  const namespace = await createTestNamespace('kube-status');
  const client = new KubeClient(adminKubeConfig());
  const manifest = exampleCluster(undefined, namespace);
  const name = manifest.metadata.name;
  await applyObject(client.objects, asApplied(manifest), { fieldManager: FIELD_MANAGER });
  const cache = await cacheOf(client, namespace, [KIND]);
  try {
    const status = {
      observedGeneration: 1,
      readyGroups: '0/2',
      conditions: [{ type: 'Ready', status: 'False', reason: 'Creating', message: 'waiting for pods', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    };
    const target = { namespace, name };
    const live = () => cache.live({ kind: KIND, metadata: { name } });
    const written = await applyStatus(client, resources.atomixClusters, target, status, { fieldManager: FIELD_MANAGER, live: live() });
    assert.equal(written.applied, true);
    assert.match(written.resourceVersion ?? '', /^\d+$/, 'the new resourceVersion, to tell cache lag from news');
    await waitFor(() => (live() as { status?: { readyGroups?: string } } | undefined)?.status?.readyGroups === '0/2', { what: 'the status to be stored' });
    const writes = client.requests.writes();
    assert.deepEqual(await applyStatus(client, resources.atomixClusters, target, status, { fieldManager: FIELD_MANAGER, live: live() }), { applied: false });
    assert.equal(client.requests.writes(), writes);
    assert.equal(client.requests.total({ verb: 'patch', resource: 'atomixclusters/status', code: '200' }), 1);
    const spec = (live() as { spec?: unknown } | undefined)?.spec;
    assert.deepEqual(spec, (await client.request<{ spec?: unknown }>({ method: 'GET', path: objectPath(resources.atomixClusters, namespace, name) })).spec, 'the status write left the spec alone');
  } finally {
    await cache.stop();
    client.close();
  }
});
