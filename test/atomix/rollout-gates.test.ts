// What the operator's rollout gates rest on, on real pods (the README example on Atomix 3.1.12):
// the write probe tells a group with quorum from one without, where /v1/status cannot. The rolls
// these gates drive, with a client's writes, are proven in test/day2 (npm run test:day2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import { waitUntil } from '../../src/local/readiness.js';
import { AtomixRestProber } from '../../src/controller/group-probe.js';
import { memberView, type MemberView } from '../../src/controller/rollout.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { PORTS } from '../../src/render/ports.js';
import { call } from './agent-client.js';
import { CONVERGE_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from './real-cluster.js';

const VERSION = '3.1.12';

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
    const thaws = raftPods.slice(1).map((pod) => cluster.freezeJvm(pod));
    try {
      assert.equal((await probeRaft()).writable, false, 'no quorum, no writes');
      const status = await call({ pod: first.name, httpUrl: `http://${first.pod.status?.podIP ?? ''}:${String(PORTS.http)}` }, 'GET', '/v1/status');
      assert.equal(status.status, 200, '/v1/status still answers on the member that lost its quorum');
    } finally {
      for (const thaw of thaws) thaw();
    }
    await waitUntil(async () => (await probeRaft()).writable, { what: 'raft to take writes again', timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 });
    await cluster.waitUntilReady(name);
  });
});
