// The rollout's gate as the runner applies it to the README example: a Ready member is deleted
// only when its group takes writes through its peers; an outdated member that is not Ready is
// deleted without that probe (it gives nothing to the quorum, and a group whose other outdated
// member is not Ready either may never pass it: the roll would wait forever). The write the pass's
// health check has just made is the gate's; a group that takes no writes is asked again within 1 s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { RolloutRunner } from '../../../src/controller/rollout-runner.js';
import { startPass } from '../../../src/controller/pass.js';
import type { WriteProbeTarget } from '../../../src/controller/group-probe.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const OLD = 'r1';
const NEW = 'r2';

const cluster = exampleCluster();
const plan = planCluster(cluster);

function pod(statefulSet: string, selector: Record<string, string>, ordinal: number, revision: string, ready: boolean): V1Pod {
  return {
    metadata: { name: `${statefulSet}-${String(ordinal)}`, uid: `${statefulSet}-${String(ordinal)}`, labels: { ...selector, 'controller-revision-hash': revision } },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** The example's pods: management on the update revision, the Raft members as given (revision, Ready). */
function examplePods(raft: readonly [string, boolean][]): V1Pod[] {
  const servers = (group: typeof plan.management) => group.servers ?? assert.fail(`${group.name} has servers`);
  const management = servers(plan.management);
  const [raftGroup] = plan.partitions;
  assert.ok(raftGroup);
  const raftServers = servers(raftGroup);
  return [pod(management.statefulSet, management.selector, 0, NEW, true), ...raft.map(([revision, ready], ordinal) => pod(raftServers.statefulSet, raftServers.selector, ordinal, revision, ready))];
}

async function stepWith(pods: V1Pod[], writable: boolean) {
  const deleted: string[] = [];
  const gates: WriteProbeTarget[] = [];
  const runner = new RolloutRunner({
    pods: () => pods,
    deletePod: async (victim) => void deleted.push(victim.metadata?.name ?? ''),
    prober: { probe: async (target) => (gates.push(target), writable ? { writable: true } : { writable: false, reason: 'no quorum' }) },
    stuckAfterMs: 60_000,
    events: { normal: () => undefined },
    now: () => new Date(0),
  });
  const pass = startPass('default/example-atomixcluster', cluster, () => Promise.resolve(false));
  const report = await runner.step(pass, plan, () => ({ metadata: { generation: 1 }, status: { observedGeneration: 1, updateRevision: NEW } }));
  return { deleted, gates, report };
}

describe('the rollout gate', () => {
  test('a Ready member goes once its group takes writes through its peers', async () => {
    const { deleted, gates, report } = await stepWith(examplePods([[OLD, true], [OLD, true], [OLD, true]]), true);
    assert.deepEqual(deleted, ['example-atomixcluster-raft-2']);
    assert.deepEqual(gates.map((gate) => gate.group), ['management', 'raft'], "one write per group, the health check's: the gate takes it as its own");
    assert.equal(report.requeueAfterMs, 5_000);
  });

  test('a Ready member stays while its group takes no writes', async () => {
    const { deleted, report } = await stepWith(examplePods([[OLD, true], [OLD, true], [OLD, true]]), false);
    assert.deepEqual(deleted, []);
    assert.equal(report.progress, 'raft: 0/3 updated, waiting for raft to take writes before replacing example-atomixcluster-raft-2: no quorum');
    assert.equal(report.requeueAfterMs, 1_000, 'asked again within a second: no event tells when the group takes writes');
  });

  test('an outdated member that is not Ready goes without the probe, even while another is not Ready', async () => {
    const { deleted } = await stepWith(examplePods([[OLD, true], [OLD, false], [OLD, false]]), false);
    assert.deepEqual(deleted, ['example-atomixcluster-raft-2']);
  });
});
