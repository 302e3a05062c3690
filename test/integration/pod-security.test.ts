// Pod Security admission and quotas against the real API server and StatefulSet controller: in a
// namespace that enforces "restricted", Atomix 3.1.12 pods are admitted and 3.1.0 pods (root) are
// not; a StatefulSet whose pods the API server refuses makes the cluster Degraded with the API
// server's message, at no steady-state write, and fixing the cause makes it Ready.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AtomixCluster } from '../../src/api/schema.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { auditedWrites, createTestNamespace, waitFor } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, createCluster, degradedCondition, eventsAbout, getCluster, installShippedRbac, isReadyNow, mergePatchCluster, operatorUser, startOperator } from '../support/operator.js';
import type { KubeClient } from '../../src/kube/client.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
/** A short window in which the StatefulSet controller retries several times (its backoff starts at 5 ms). */
const STEADY_WINDOW_MS = 8_000;

const cluster = (name: string, spec: object) => mergePatch(example, { metadata: { name }, spec: { partitionGroups: [{ name: 'raft', size: 1, raft: {} }], ...spec } }) as object;

async function namespaceWithOperator(prefix: string, labels: Record<string, string> = {}) {
  const admin = adminClient();
  const namespace = await createTestNamespace(prefix, labels);
  await installShippedRbac(admin, namespace);
  await startOperator(namespace);
  const ready = (name: string) =>
    waitFor(async () => {
      const current = await getCluster(admin, namespace, name);
      return isReadyNow(current) && degradedCondition(current)?.status === 'False' ? current : undefined;
    }, { what: `${name} Ready`, timeoutMs: 120_000 });
  // Degraded, and its Warning Event posted (events go apart from the status write, and one that
  // lands later would count as a write in the window that follows).
  const degraded = async (name: string) => {
    const stuck = await waitFor(async () => {
      const current = await getCluster(admin, namespace, name);
      return degradedCondition(current)?.reason === 'PodCreateFailed' ? current : undefined;
    }, { what: `${name} Degraded with PodCreateFailed`, timeoutMs: 60_000 });
    await waitFor(async () => (await eventsAbout(admin, namespace, name)).some((e) => e.type === 'Warning' && e.reason === 'PodCreateFailed') || undefined, { what: `a Warning event PodCreateFailed about ${name}`, timeoutMs: 10_000 });
    return stuck;
  };
  return { admin, namespace, ready, degraded };
}

const condition = (cluster: AtomixCluster, type: string) => cluster.status?.conditions?.find((c) => c.type === type);

async function assertNoWritesWhileDegraded(namespace: string): Promise<void> {
  const since = new Date();
  await new Promise((resolve) => setTimeout(resolve, STEADY_WINDOW_MS));
  assert.deepEqual(auditedWrites({ user: operatorUser(namespace), since }).map((w) => `${w.verb} ${w.resource ?? ''}/${w.subresource ?? ''}`), []);
}

async function podNames(admin: KubeClient, namespace: string, name: string): Promise<string[]> {
  const list = await admin.request<{ items: { metadata: { name: string } }[] }>({ method: 'GET', path: collectionPath(resources.pods, namespace), query: { labelSelector: `app=${name}` } });
  return list.items.map((pod) => pod.metadata.name).sort();
}

describe('a namespace enforcing Pod Security "restricted"', { timeout: 600_000 }, async () => {
  const { admin, namespace, ready, degraded } = await namespaceWithOperator('restricted', RESTRICTED);

  test('admits the pods of Atomix 3.1.12 (user atomix, restricted settings)', async () => {
    await createCluster(admin, namespace, cluster('current', { version: '3.1.12' }));
    await ready('current');
    assert.deepEqual(await podNames(admin, namespace, 'current'), ['current-management-0', 'current-raft-0']);
  });

  test('refuses the pods of Atomix 3.1.0 (root): Degraded with the API server\'s words and a Warning event, no writes while it lasts, Ready after an upgrade to 3.1.12', async () => {
    await createCluster(admin, namespace, cluster('old', { version: '3.1.0' }));
    const stuck = await degraded('old');
    const message = degradedCondition(stuck)?.message ?? '';
    assert.match(message, /^StatefulSet old-(management|raft) cannot create its pods: violates PodSecurity "restricted:latest": .*runAsNonRoot != true/);
    assert.equal(condition(stuck, 'Ready')?.status, 'False');
    assert.deepEqual([condition(stuck, 'Progressing')?.status, condition(stuck, 'Progressing')?.reason], ['False', 'Blocked']);
    assert.deepEqual(await podNames(admin, namespace, 'old'), []);
    await assertNoWritesWhileDegraded(namespace);
    // 3.1.0 -> 3.1.12 crosses the SWIM line of 3.1.6: only as a full restart (no member runs here anyway).
    await mergePatchCluster(admin, namespace, 'old', { spec: { version: '3.1.12', updateStrategy: 'FullRestart' } });
    await ready('old');
  });

  test('refuses the benchmark\'s pods (atomix-bench runs as root) and names its StatefulSet', async () => {
    await createCluster(admin, namespace, cluster('bench', { version: '3.1.12', benchmark: { image: 'atomix/atomix-bench:latest' } }));
    const stuck = await degraded('bench');
    assert.match(degradedCondition(stuck)?.message ?? '', /StatefulSet bench-bench-(worker|coordinator) cannot create its pods: violates PodSecurity/);
    assert.doesNotMatch(degradedCondition(stuck)?.message ?? '', /bench-management|bench-raft/);
  });
});

describe('a namespace with a pod quota, or without the ServiceAccount a group names', { timeout: 600_000 }, async () => {
  const { admin, namespace, ready, degraded } = await namespaceWithOperator('quota');
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } };
  const quotaType = { ...resources.configMaps, kind: 'ResourceQuota', plural: 'resourcequotas' };

  test('a group beyond the quota is Degraded with the quota\'s message, and Ready once the quota is gone', async () => {
    await admin.request({ method: 'POST', path: collectionPath(quotaType, namespace), body: quota });
    // The quota controller must have counted usage before it admits anything.
    await waitFor(async () => (await admin.request<{ status?: { used?: Record<string, string> } }>({ method: 'GET', path: objectPath(quotaType, namespace, 'pods') })).status?.used, { what: 'the quota counted' });
    await createCluster(admin, namespace, cluster('big', { version: '3.1.12', managementGroup: { size: 3 }, partitionGroups: [] }));
    const stuck = await degraded('big');
    assert.match(degradedCondition(stuck)?.message ?? '', /^StatefulSet big-management cannot create its pods: exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1$/);
    await assertNoWritesWhileDegraded(namespace);
    await admin.request({ method: 'DELETE', path: objectPath(quotaType, namespace, 'pods') });
    await ready('big');
  });

  test('a serviceAccountName that names no ServiceAccount is Degraded with the API server\'s message, and Ready once it exists', async () => {
    await createCluster(admin, namespace, cluster('account', { version: '3.1.12', managementGroup: { serviceAccountName: 'atomix-nodes' }, partitionGroups: [] }));
    const stuck = await degraded('account');
    assert.equal(degradedCondition(stuck)?.message, `StatefulSet account-management cannot create its pods: error looking up service account ${namespace}/atomix-nodes: serviceaccount "atomix-nodes" not found`);
    await admin.request({ method: 'POST', path: collectionPath({ ...quotaType, kind: 'ServiceAccount', plural: 'serviceaccounts' }, namespace), body: { metadata: { name: 'atomix-nodes' } } });
    await ready('account');
  });
});
