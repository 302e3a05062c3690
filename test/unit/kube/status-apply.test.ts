// When applyStatus writes, and what it reports back (apply.test.ts checks the request it sends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyStatus } from '../../../src/kube/status-apply.js';
import type { RawRequest } from '../../../src/kube/transport.js';
import type { ResourceType } from '../../../src/kube/resources.js';

const clusters: ResourceType = { group: 'agent.atomix.io', version: 'v1alpha1', kind: 'AtomixCluster', plural: 'atomixclusters', namespaced: true };
const target = { namespace: 'ns', name: 'demo' };

function recordingClient(answer: KubernetesObject = {}) {
  const requests: RawRequest[] = [];
  const client = { request: <T>(request: RawRequest) => (requests.push(request), Promise.resolve(answer as T)) };
  return { requests, client };
}

const cases: Array<{ name: string; status: Record<string, unknown>; live: KubernetesObject | undefined; applied: boolean }> = [
  { name: 'no live object', status: {}, live: undefined, applied: true },
  { name: 'an empty status against a live object without one', status: {}, live: { metadata: { name: 'demo' } }, applied: false },
  { name: 'a status against a live object without one', status: { phase: 'Ready' }, live: { metadata: { name: 'demo' } }, applied: true },
  { name: 'an equal status', status: { phase: 'Ready' }, live: { metadata: { name: 'demo' }, status: { phase: 'Ready' } } as KubernetesObject, applied: false },
  { name: 'a field the new status drops', status: {}, live: { metadata: { name: 'demo' }, status: { phase: 'Ready' } } as KubernetesObject, applied: true },
];

for (const { name, status, live, applied } of cases) {
  test(`applyStatus: ${name} → ${applied ? 'written' : 'skipped'}`, async () => {
    const { requests, client } = recordingClient();
    const result = await applyStatus(client, clusters, target, status, { fieldManager: 'm', live });
    assert.equal(result.applied, applied);
    assert.equal(requests.length, applied ? 1 : 0);
  });
}

test('applyStatus returns the resourceVersion the server answered with', async () => {
  const { client } = recordingClient({ metadata: { name: 'demo', resourceVersion: '42' } });
  assert.deepEqual(await applyStatus(client, clusters, target, { phase: 'Ready' }, { fieldManager: 'm' }), { applied: true, resourceVersion: '42' });
});

test('applyStatus of a cluster-scoped resource sends no namespace', async () => {
  const nodes: ResourceType = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
  const { requests, client } = recordingClient();
  await applyStatus(client, nodes, { name: 'n1' }, { phase: 'Running' }, { fieldManager: 'm' });
  assert.equal(requests[0]?.path, '/api/v1/nodes/n1/status');
  assert.deepEqual(requests[0].body, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: undefined }, status: { phase: 'Running' } });
});
