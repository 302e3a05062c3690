// What the operator's rollout gates rest on, on real pods (the README example on Atomix 3.1.12):
// the write probe tells a group with quorum from one without, where /v1/status cannot; an env
// change of every group, rolled by the operator while a client node writes, replaces the
// management member first and alone and then one Raft member at a time, keeps every acknowledged
// increment, and each replaced JVM receives SIGTERM and stops Atomix cleanly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import { objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import { AtomixRestProber } from '../../src/controller/group-probe.js';
import { memberView, type MemberView } from '../../src/controller/rollout.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { call } from './agent-client.js';
import { startClientWriter } from './client-writer.js';
import { finishWrites, rollout } from './rollout-harness.js';
import { MANAGEMENT_GROUP, membersByGroup } from './readiness-sampler.js';
import { CONVERGE_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from './real-cluster.js';

const VERSION = '3.1.12';

/**
 * Reads a pod's log every 200 ms until the pod is gone or replaced, and returns the last read: the
 * end of what its container wrote. (A followed log is cut off when the pod goes.)
 */
async function lastLogOf(cluster: RealCluster, pod: string): Promise<string> {
  const uid = (await cluster.pod(pod)).metadata?.uid;
  let last = '';
  for (;;) {
    const current = await cluster.pod(pod).catch(() => undefined);
    if (current?.metadata?.uid !== uid) return last;
    last = await cluster.admin.request<string>({ method: 'GET', path: `${objectPath(resources.pods, cluster.namespace, pod)}/log`, query: { tailLines: '40' } }).catch(() => last);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('rollout gates on real pods', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: VERSION } }) as AtomixCluster;
  const name = spec.metadata.name;
  const raftSet = names.groupStatefulSet(name, 'raft');
  const raftPods = [0, 1, 2].map((ordinal) => names.podName(raftSet, ordinal));
  const real = useRealCluster();

  async function raftMembers(cluster: RealCluster): Promise<MemberView[]> {
    const pods = await cluster.pods(`app=${name},group=raft`);
    return pods.flatMap((pod) => memberView(pod, raftSet) ?? []).sort((a, b) => a.ordinal - b.ordinal);
  }

  test('the write probe tells a Raft group with quorum from one without, where /v1/status cannot', async () => {
    const cluster = real();
    await cluster.apply(spec);
    await cluster.waitUntilReady(name);
    const prober = new AtomixRestProber();
    const [first] = await raftMembers(cluster);
    assert.ok(first);
    const probeRaft = () => prober.probe({ group: 'raft', probe: { atomixGroup: 'raft', protocol: 'multi-raft', partitions: 3 }, replicas: 3, readyMembers: 3, through: [first] });
    await waitUntil(async () => (await probeRaft()).writable, { what: 'raft to take the probe writes', timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 });
    const management = await prober.probe({ group: 'management', probe: { atomixGroup: 'system', protocol: 'multi-raft', partitions: 1 }, replicas: 1, readyMembers: 1, through: [first] });
    assert.deepEqual(management, { writable: true }, 'the management group, written as Atomix\'s "system" group');
    // Two of three members frozen: the group has no quorum, and its last member still says 200.
    const frozen = raftPods.slice(1).map((pod) => cluster.jvmPid(pod) ?? 0);
    assert.ok(frozen.every((pid) => pid > 0), 'the JVMs of raft-1 and raft-2 found');
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      assert.equal((await probeRaft()).writable, false, 'no quorum, no writes');
      const status = await call({ pod: first.name, httpUrl: `http://${first.pod.status?.podIP ?? ''}:5678` }, 'GET', '/v1/status');
      assert.equal(status.status, 200, '/v1/status still answers on the member that lost its quorum');
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    await waitUntil(async () => (await probeRaft()).writable, { what: 'raft to take writes again', timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 });
    await cluster.waitUntilReady(name);
  });

  test('an env change rolls the management member alone, then one Raft member at a time; writes and data survive; JVMs stop cleanly', async (t) => {
    const cluster = real();
    const writer = await startClientWriter(cluster, name, VERSION);
    await cluster.explainFailure(() => writer.waitForMore(20));
    // The first Raft member replaced: the last of its log read before the pod is gone shows Atomix's own stop.
    const lastLog = lastLogOf(cluster, raftPods[2] ?? '');
    const env = [{ name: 'ROLLED', value: 'yes' }];
    const { durationMs, observation } = await rollout(cluster, spec, { spec: { managementGroup: { env }, partitionGroups: [{ ...spec.spec.partitionGroups?.[0], env }] } });
    const outcome = await cluster.explainFailure(() => finishWrites(cluster, writer, raftPods[0] ?? ''));
    t.diagnostic(`rolled in ${(durationMs / 1000).toFixed(1)} s, order ${observation.rollOrder.join(' -> ')}; acknowledged ${String(outcome.writes.acknowledged)}, failed ${String(outcome.writes.failed.length)}, counter ${String(outcome.counter)}`);
    for (const [group, pods] of membersByGroup(spec)) {
      assert.equal(observation.maxDown.get(group), 1, `${group}: one member down at a time`);
      for (const pod of pods) assert.ok(observation.replacedAtMs.has(pod), `${pod} was replaced`);
    }
    assert.deepEqual(observation.groupsDownTogether, [], 'never two groups down at once');
    assert.equal(observation.rollOrder[0], MANAGEMENT_GROUP, 'the management group first');
    const replacedAt = (pod: string | undefined) => observation.replacedAtMs.get(pod ?? '') ?? NaN;
    assert.ok(replacedAt(raftPods[2]) < replacedAt(raftPods[1]) && replacedAt(raftPods[1]) < replacedAt(raftPods[0]), 'raft from the highest ordinal down');
    assert.ok(outcome.counter >= outcome.writes.acknowledged && outcome.counter - outcome.writes.acknowledged <= outcome.writes.failed.length, `counter ${String(outcome.counter)}, acknowledged ${String(outcome.writes.acknowledged)}, failed ${String(outcome.writes.failed.length)}`);
    assert.match(await lastLog, /io\.atomix\.cluster\.AtomixCluster - Stopped/, 'the replaced JVM got SIGTERM and stopped Atomix');
  });
});
