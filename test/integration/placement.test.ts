// The placement and pod metadata fields against the real API server and scheduler: kubectl explain
// documents them, admission refuses the same mistakes as `render` with the same messages, and the
// pods the operator's StatefulSets create land where the fields say, on the local nodes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { collectionPath, resources } from '../../src/kube/resources.js';
import { auditedWrites, createTestNamespace, nodeNames, waitFor } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, createCluster, getCluster, installShippedRbac, isReadyNow, operatorUser, startOperator } from '../support/operator.js';
import { FULL_PLACEMENT, REJECTED_PLACEMENTS } from '../support/placement-cases.js';
import { assertRejectedAsRenderDoes } from '../support/admission.js';

const serviceAccounts = { ...resources.configMaps, kind: 'ServiceAccount', plural: 'serviceaccounts' };
const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const named = (name: string, spec: object) => mergePatch(example, { metadata: { name }, spec }) as object;

/** A field in the FIELDS list of kubectl explain: "  name<TAB><type>". */
const fieldLine = (field: string) => new RegExp(`^ {2}${field}\t<`, 'm');

async function explain(field: string): Promise<string> {
  const { stdout } = await promisify(execFile)('kubectl', ['explain', `atomixclusters.${field}`]);
  return stdout;
}

describe('placement fields in the API', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('placement-api');

  test('kubectl explain documents them on every kind of group, down to the Kubernetes types', async () => {
    const tolerations = await explain('spec.managementGroup.tolerations');
    assert.match(tolerations, /Taints the pods tolerate \(Kubernetes tolerations\)/);
    for (const field of ['effect', 'key', 'operator', 'tolerationSeconds', 'value']) assert.match(tolerations, fieldLine(field), field);
    assert.match(await explain('spec.partitionGroups.affinity'), /podAntiAffinity, when set, replaces the operator's default/);
    assert.match(await explain('spec.benchmark.topologySpreadConstraints.labelSelector'), /default: the pods of this group/);
    const management = await explain('spec.managementGroup');
    for (const field of ['nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'serviceAccountName', 'terminationGracePeriodSeconds', 'labels', 'annotations']) {
      assert.match(management, fieldLine(field), field);
    }
  });

  test('every field is accepted on the management group, a partition group and the benchmark, and stored as given', async () => {
    const stored = await createCluster(admin, namespace, named('full', {
      managementGroup: FULL_PLACEMENT,
      partitionGroups: [{ name: 'raft', raft: {}, ...FULL_PLACEMENT }],
      benchmark: FULL_PLACEMENT,
    }));
    for (const group of [stored.spec.managementGroup, stored.spec.partitionGroups?.[0], stored.spec.benchmark]) {
      assert.ok(group);
      for (const [field, value] of Object.entries(FULL_PLACEMENT)) assert.deepEqual(group[field as keyof typeof group], value, field);
    }
  });

  for (const [index, rejected] of REJECTED_PLACEMENTS.entries()) {
    test(`${rejected.name}: rejected at ${rejected.field}, as render rejects it`, async () => {
      await assertRejectedAsRenderDoes(admin, namespace, named(`rejected-${index}`, rejected.spec), rejected);
    });
  }
});

describe('placement fields on the scheduler', { timeout: 300_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('placement');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace, { resyncMs: 2_000 });
  const nodes = nodeNames();
  const priorityClasses = '/apis/scheduling.k8s.io/v1/priorityclasses';
  await admin.request({ method: 'POST', path: priorityClasses, body: { metadata: { name: FULL_PLACEMENT.priorityClassName }, value: 1000 } });
  after(() => admin.request({ method: 'DELETE', path: `${priorityClasses}/${FULL_PLACEMENT.priorityClassName}` }));
  await admin.request({ method: 'POST', path: collectionPath(serviceAccounts, namespace), body: { metadata: { name: FULL_PLACEMENT.serviceAccountName } } });

  const podsOf = async (cluster: string) => {
    const list = await admin.request<{ items: V1Pod[] }>({ method: 'GET', path: collectionPath(resources.pods, namespace), query: { labelSelector: `app=${cluster}` } });
    return list.items;
  };
  const scheduled = (cluster: string, count: number) =>
    waitFor(async () => {
      const pods = await podsOf(cluster);
      return pods.length === count && pods.every((pod) => pod.spec?.nodeName) ? pods : undefined;
    }, { what: `${count} pods of ${cluster} scheduled`, timeoutMs: 120_000 });

  test('a nodeSelector puts a group on the chosen node, a required anti-affinity one pod per node', async () => {
    assert.ok(nodes.length >= 3, `the local control plane runs 3 nodes, got ${nodes.join(', ')}`);
    const [, chosen = ''] = nodes;
    const oneNodePerPod = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'placed', group: 'raft' } } }] };
    await createCluster(admin, namespace, named('placed', {
      managementGroup: { size: 3, nodeSelector: { 'kubernetes.io/hostname': chosen }, labels: { team: 'storage' }, annotations: { 'example.com/owner': 'storage' } },
      partitionGroups: [{ name: 'raft', size: 3, raft: {}, affinity: { podAntiAffinity: oneNodePerPod }, terminationGracePeriodSeconds: 5 }],
    }));
    const pods = await scheduled('placed', 6);
    const management = pods.filter((pod) => pod.metadata?.labels?.['type'] === 'managment');
    const raft = pods.filter((pod) => pod.metadata?.labels?.['group'] === 'raft');
    assert.deepEqual(management.map((pod) => pod.spec?.nodeName), [chosen, chosen, chosen]);
    assert.ok(management.every((pod) => pod.metadata?.labels?.['team'] === 'storage' && pod.metadata.annotations?.['example.com/owner'] === 'storage'));
    assert.deepEqual(new Set(raft.map((pod) => pod.spec?.nodeName)).size, 3, 'three raft pods on three nodes');
    assert.ok(raft.every((pod) => pod.spec?.terminationGracePeriodSeconds === 5));
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, 'placed')), { what: 'the placed cluster Ready', timeoutMs: 120_000 });
  });

  test('with every field set the pods are created and scheduled, and a resync then writes nothing', async () => {
    await createCluster(admin, namespace, named('everything', { managementGroup: FULL_PLACEMENT, partitionGroups: [{ name: 'raft', raft: {}, ...FULL_PLACEMENT }] }));
    const pods = await scheduled('everything', 2);
    assert.ok(pods.every((pod) => pod.spec?.priority === 1000), 'the PriorityClass applies');
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, 'everything')), { what: 'the cluster Ready', timeoutMs: 120_000 });
    // Stored StatefulSets carry what the API server defaults; the operator must not see drift in it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    assert.deepEqual(auditedWrites({ user: operatorUser(namespace), since }), []);
  });

  test('a nodeSelector no node matches leaves the pods Pending as unschedulable', async () => {
    await createCluster(admin, namespace, named('nowhere', { managementGroup: { nodeSelector: { 'example.com/no-such-label': 'x' } }, partitionGroups: [], version: '3.1.12' }));
    const [pod] = await waitFor(async () => {
      const pods = await podsOf('nowhere');
      return pods.some((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')) ? pods : undefined;
    }, { what: 'the pod reported unschedulable', timeoutMs: 60_000 });
    assert.equal(pod?.spec?.nodeName, undefined);
  });
});
