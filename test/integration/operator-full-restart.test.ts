// The version line 3.1.5 -> 3.1.6 through the operator, on the real control plane (simulated
// pods, judged by readiness): with updateStrategy FullRestart every member is stopped at once and
// all start on the new version, said in Progressing and Events; a cluster whose spec reached the
// controller without the transition rules (the CRD served without them, as before they existed)
// is not touched: Degraded ChangeRefused for a rolling change across the line and for a resize,
// no write to its objects, and it recovers when the spec is reverted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { AtomixCluster } from '../../src/api/schema.js';
import { customResourceDefinition } from '../../src/api/crd.js';
import { collectionPath, resources } from '../../src/kube/resources.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { PodRecorder } from '../support/pod-recorder.js';
import { adminClient, clusterPath, createCluster, degradedCondition, eventsAbout, getCluster, installShippedRbac, isReadyNow, mergePatchCluster, startOperator } from '../support/operator.js';

const CLUSTER = 'example-atomixcluster';
const MEMBERS = 4;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** The shipped CRD without its transition rules: what the API server enforced before they existed. */
function withoutTransitionRules(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutTransitionRules).filter((rule) => !JSON.stringify(rule).includes('oldSelf'));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withoutTransitionRules(value)]));
}

describe('the 3.1.5 -> 3.1.6 line through the operator', { timeout: 300_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('full-restart');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace);
  const example = mergePatch(readManifest('deploy/crds/atomixcluster_cr.yaml'), { spec: { version: '3.1.5' } }) as AtomixCluster;
  const cluster = () => getCluster(admin, namespace, CLUSTER);
  const readyAgain = (what: string) =>
    waitFor(async () => {
      const current = await cluster();
      if (!isReadyNow(current)) throw new Error(JSON.stringify(current.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`)));
      return current;
    }, { what, timeoutMs: 120_000 });
  const statefulSets = async () =>
    (await admin.request<{ items: V1StatefulSet[] }>({ method: 'GET', path: collectionPath(resources.statefulSets, namespace), query: { labelSelector: `app=${CLUSTER}` } })).items;

  test('FullRestart: every member stopped at once, all back on 3.1.6; Progressing and Events say so', async () => {
    await createCluster(admin, namespace, example);
    await readyAgain('the example on 3.1.5 to become Ready');
    const pods = new PodRecorder(admin, namespace, CLUSTER, MEMBERS);
    await pods.start();
    const reasons = new Set<string>();
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { version: '3.1.6', updateStrategy: 'FullRestart' } });
    await waitFor(async () => {
      const current = await cluster();
      reasons.add(current.status?.conditions?.find((c) => c.type === 'Progressing')?.reason ?? '');
      const sets = await statefulSets();
      return isReadyNow(current) && sets.every((set) => set.spec?.template.spec?.containers[0]?.image === 'atomix/atomix:3.1.6' && set.status?.updatedReplicas === set.spec.replicas);
    }, { what: 'every member on 3.1.6 and the cluster Ready', timeoutMs: 120_000, intervalMs: 100 });
    await pods.stop();
    assert.equal(pods.maxAbsent, MEMBERS, 'all members down together');
    assert.deepEqual([...pods.deleted].sort(), [`${CLUSTER}-management-0`, `${CLUSTER}-raft-0`, `${CLUSTER}-raft-1`, `${CLUSTER}-raft-2`]);
    assert.ok(reasons.has('FullRestart'), `Progressing reasons seen: ${[...reasons].join(', ')}`);
    const events = (await eventsAbout(admin, namespace, CLUSTER)).filter((event) => event.reason.startsWith('FullRestart'));
    const [stopped, back] = ['FullRestart', 'FullRestartDone'].map((reason) => events.filter((event) => event.reason === reason && event.type === 'Normal'));
    assert.equal(stopped?.length, 1, JSON.stringify(events));
    assert.equal(back?.length, 1, JSON.stringify(events));
    assert.match(stopped[0]?.note ?? '', /spec\.updateStrategy is FullRestart: stopping 4 members at once .* version 3\.1\.6; the cluster takes no writes until every member is back/);
    assert.match(back[0]?.note ?? '', /all 4 members are back on their new templates and every group took a write, \d+ s after they were stopped/);
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { updateStrategy: 'RollingUpdate' } });
  });

  test('without the transition rules: a rolling change across the line and a resize are ChangeRefused, nothing written; reverting recovers', async () => {
    const crd = customResourceDefinition() as unknown as { metadata: { name: string } };
    const put = async (body: unknown) => {
      const current = await admin.request<{ metadata: { resourceVersion: string } }>({ method: 'GET', path: `${CRDS}/${crd.metadata.name}` });
      await admin.request({ method: 'PUT', path: `${CRDS}/${crd.metadata.name}`, body: mergePatch(body as object, { metadata: { resourceVersion: current.metadata.resourceVersion } }) });
    };
    const patchWhenServed = (patch: object) =>
      waitFor(() => admin.request({ method: 'PATCH', path: clusterPath(namespace, CLUSTER), query: { dryRun: 'All' }, body: patch, contentType: 'application/merge-patch+json' }).then(() => true), {
        what: 'the CRD without transition rules to serve',
      });
    const refusedWithoutWrites = async (patch: object, field: string) => {
      const before = (await statefulSets()).map((set) => [set.metadata?.name, set.metadata?.resourceVersion]);
      await patchWhenServed(patch);
      await mergePatchCluster(admin, namespace, CLUSTER, patch);
      const refused = await waitFor(async () => {
        const current = await cluster();
        return degradedCondition(current)?.reason === 'ChangeRefused' && current.status?.observedGeneration === current.metadata.generation ? current : undefined;
      }, { what: `Degraded ChangeRefused for ${field}` });
      assert.ok(degradedCondition(refused)?.message.includes(`${field}: `), degradedCondition(refused)?.message);
      assert.deepEqual((await statefulSets()).map((set) => [set.metadata?.name, set.metadata?.resourceVersion]), before, 'no StatefulSet written');
      const warnings = (await eventsAbout(admin, namespace, CLUSTER)).filter((event) => event.reason === 'ChangeRefused');
      assert.ok(warnings.length > 0 && warnings.every((event) => event.type === 'Warning'));
    };
    await put(withoutTransitionRules(customResourceDefinition()));
    try {
      await refusedWithoutWrites({ spec: { version: '3.1.5' } }, 'spec.version');
      await mergePatchCluster(admin, namespace, CLUSTER, { spec: { version: '3.1.6' } });
      await readyAgain('the reverted version to be Ready');
      const [raft] = example.spec.partitionGroups ?? [];
      await refusedWithoutWrites({ spec: { partitionGroups: [{ ...raft, size: 5 }] } }, 'spec.partitionGroups[0].size');
      await mergePatchCluster(admin, namespace, CLUSTER, { spec: { partitionGroups: [raft] } });
      const recovered = await readyAgain('the reverted size to be Ready');
      assert.equal(degradedCondition(recovered)?.status, 'False');
    } finally {
      await put(customResourceDefinition());
      // Served again with its rules before the next test file runs.
      await waitFor(
        () => admin.request({ method: 'PATCH', path: clusterPath(namespace, CLUSTER), query: { dryRun: 'All' }, body: { spec: { version: '3.1.5' } }, contentType: 'application/merge-patch+json' }).then(() => false, () => true),
        { what: 'the shipped CRD to serve again' },
      );
    }
  });
});
