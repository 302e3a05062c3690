// Operator-driven rollouts on the real control plane (simulated pods, judged by readiness): a
// change of every group's pod template replaces the management member first and alone, then the
// Raft members one at a time from the highest ordinal, never more than one member missing or
// not Ready; a template whose pod never becomes Ready stops the roll at one member
// (RolloutStuck), and reverting the spec replaces that member; so does one whose last member never
// becomes Ready.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { objectPath, resources } from '../../src/kube/resources.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { readManifest } from '../support/manifests.js';
import { PodRecorder } from '../support/pod-recorder.js';
import { adminClient, createCluster, degradedCondition, eventsAbout, getCluster, installShippedRbac, isReadyNow, mergePatchCluster, startOperator } from '../support/operator.js';

const CLUSTER = 'example-atomixcluster';
const MEMBERS = 4;
const STUCK_AFTER_MS = 8_000;

describe('operator-driven rollouts', { timeout: 600_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('rollout');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace, { stuckAfterMs: STUCK_AFTER_MS });
  const example = readManifest('deploy/crds/atomixcluster_cr.yaml') as unknown as AtomixCluster;
  const [raft] = example.spec.partitionGroups ?? [];
  assert.ok(raft, 'the example has a Raft group');
  // Not yet Ready: the conditions are the error, so a timeout says what the cluster waited for.
  const readyAgain = (what: string) =>
    waitFor(async () => {
      const cluster = await getCluster(admin, namespace, CLUSTER);
      if (!isReadyNow(cluster)) throw new Error(JSON.stringify(cluster.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`)));
      return cluster;
    }, { what, timeoutMs: 120_000 });
  const pods = new PodRecorder(admin, namespace, CLUSTER, MEMBERS);

  test('a change of every template rolls the management member first, then the Raft members one at a time', async () => {
    await createCluster(admin, namespace, example);
    const before = await readyAgain('the example to become Ready');
    await pods.start();
    const env = [{ name: 'ROLL', value: '1' }];
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { managementGroup: { env }, partitionGroups: [{ ...raft, env }] } });
    const after = await waitFor(async () => {
      const cluster = await readyAgain('the rolled cluster to be Ready');
      const group = cluster.status?.partitionGroups?.[0];
      return group?.updateRevision !== before.status?.partitionGroups?.[0]?.updateRevision && group?.updatedReplicas === 3 ? cluster : undefined;
    }, { what: 'every member to run the new revision', timeoutMs: 120_000 });
    assert.deepEqual(pods.deleted, [`${CLUSTER}-management-0`, `${CLUSTER}-raft-2`, `${CLUSTER}-raft-1`, `${CLUSTER}-raft-0`]);
    assert.equal(pods.maxAbsent, 1, 'never more than one member missing or not Ready');
    const group = after.status?.partitionGroups?.[0];
    assert.equal(group?.currentRevision, group?.updateRevision);
    assert.equal(after.status?.managementGroup?.updatedReplicas, 1);
    assert.equal(after.status.conditions?.find((c) => c.type === 'Quorate')?.status, 'True');
    assert.deepEqual([after.status.managementGroup.available, group?.available], [true, true]);
    const replaced = (await eventsAbout(admin, namespace, CLUSTER)).filter((event) => event.reason === 'MemberReplaced');
    assert.equal(replaced.length, 4, 'a Normal event per replaced member');
    assert.ok(replaced.every((event) => event.type === 'Normal'));
  });

  test('a template whose pod never becomes Ready stops at one member; reverting it replaces that member', async () => {
    pods.reset();
    // More CPU than any node has: the recreated pod stays Pending, so it never becomes Ready.
    const unschedulable = { ...raft, env: [{ name: 'ROLL', value: '1' }], resources: { requests: { cpu: '1000' } } };
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { partitionGroups: [unschedulable] } });
    const stuck = await waitFor(async () => {
      const cluster = await getCluster(admin, namespace, CLUSTER);
      return degradedCondition(cluster)?.reason === 'RolloutStuck' ? cluster : undefined;
    }, { what: 'Degraded RolloutStuck', timeoutMs: 120_000 });
    assert.match(degradedCondition(stuck)?.message ?? '', new RegExp(`^raft: 1/3 updated: ${CLUSTER}-raft-2 has not been Ready .*pod Pending`));
    assert.deepEqual(pods.deleted, [`${CLUSTER}-raft-2`], 'the roll stopped at its first member');
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { partitionGroups: [{ ...raft, env: [{ name: 'ROLL', value: '1' }] }] } });
    const recovered = await readyAgain('the reverted cluster to be Ready');
    assert.deepEqual(pods.deleted, [`${CLUSTER}-raft-2`, `${CLUSTER}-raft-2`], 'the stuck member, replaced by the operator; no other');
    assert.equal(degradedCondition(recovered)?.status, 'False');
    assert.equal(recovered.status?.partitionGroups?.[0]?.updatedReplicas, 3);
  });

  test('the last member of a roll never becomes Ready: Degraded RolloutStuck names it (not only Ready False)', async () => {
    pods.reset();
    const env = [{ name: 'ROLL', value: '1' }];
    // Only the management group's template changes: its single member is the roll's last.
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { managementGroup: { env, resources: { requests: { cpu: '1000' } } } } });
    const stuck = await waitFor(async () => {
      const cluster = await getCluster(admin, namespace, CLUSTER);
      return degradedCondition(cluster)?.reason === 'RolloutStuck' ? cluster : undefined;
    }, { what: 'Degraded RolloutStuck', timeoutMs: 120_000 });
    assert.match(degradedCondition(stuck)?.message ?? '', new RegExp(`^management: 1/1 updated: ${CLUSTER}-management-0 has not been Ready .*pod Pending`));
    assert.notEqual(stuck.status?.managementGroup?.currentRevision, stuck.status?.managementGroup?.updateRevision, 'the roll is not over');
    await mergePatchCluster(admin, namespace, CLUSTER, { spec: { managementGroup: { env, resources: null } } });
    const recovered = await readyAgain('the reverted cluster to be Ready');
    assert.deepEqual(pods.deleted, [`${CLUSTER}-management-0`, `${CLUSTER}-management-0`], 'the roll, then the stuck member replaced; no other');
    assert.equal(degradedCondition(recovered)?.status, 'False');
    await pods.stop();
  });

  test('a StatefulSet on the default RollingUpdate strategy (made before the operator rolled pods itself) is switched to OnDelete', async () => {
    const raftSet = `${CLUSTER}-raft`;
    const path = objectPath(resources.statefulSets, namespace, raftSet);
    // What an earlier build left: no strategy, which the server stores as RollingUpdate with partition 0.
    const legacy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    await admin.request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body: { spec: { updateStrategy: legacy } } });
    const strategy = async () => (await admin.request<V1StatefulSet>({ method: 'GET', path })).spec?.updateStrategy;
    await waitFor(async () => ((await strategy())?.type === 'OnDelete' ? true : undefined), { what: `${raftSet} back on OnDelete`, timeoutMs: 30_000 });
    assert.deepEqual(await strategy(), { type: 'OnDelete' });
    const cluster = await readyAgain('the cluster to stay Ready');
    assert.equal(degradedCondition(cluster)?.status, 'False');
    assert.deepEqual((await eventsAbout(admin, namespace, CLUSTER)).filter((event) => event.reason === 'ApplyFailed'), []);
  });
});
