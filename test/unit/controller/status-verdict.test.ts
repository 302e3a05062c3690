// The conditions and group fields of the status as a table over what is observed: groups ready
// or not, problems, a roll under way (and how), whether each group took its write probe; and the
// status of a spec nothing may be done for.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AtomixClusterStatus, Condition } from '../../../src/api/schema.js';
import { computeStatus, invalidSpecStatus, type ObservedStatefulSet, type Problem } from '../../../src/controller/status.js';
import type { RolloutReport } from '../../../src/controller/rollout-runner.js';
import type { WriteProbeResult } from '../../../src/controller/group-probe.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const cluster = { ...exampleCluster(), metadata: { ...exampleCluster().metadata, generation: 5 } };
const plan = planCluster(cluster);
const MANAGEMENT = 'example-atomixcluster-management';
const RAFT = 'example-atomixcluster-raft';

/** StatefulSets with `ready` of their pods ready and updated, at their current generation. */
const observed = (ready: number, generation = 1, observedGeneration = generation): ObservedStatefulSet => ({
  metadata: { generation },
  status: { observedGeneration, readyReplicas: ready, updatedReplicas: ready, replicas: ready },
});
const lookupOf = (management: ObservedStatefulSet | undefined, raft: ObservedStatefulSet | undefined) => (name: string) =>
  name === MANAGEMENT ? management : name === RAFT ? raft : undefined;

const rollout = (extra: Partial<RolloutReport> = {}, writable: [string, WriteProbeResult][] = [['management', { writable: true }], ['raft', { writable: true }]]): RolloutReport => ({
  groups: new Map(),
  problems: [],
  writable: new Map(writable),
  ...extra,
});

/** The conditions in short: `Type=Status/Reason: message`. */
const conditionsOf = (status: AtomixClusterStatus) => (status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`);

describe('conditions', () => {
  const problems: Problem[] = [
    { reason: 'ApplyFailed', message: 'applying ConfigMap a failed: Forbidden' },
    { reason: 'NameConflict', message: 'Service b already exists', terminal: true },
  ];
  const cases: { name: string; management: number; raft: number; problems?: Problem[]; rollout?: RolloutReport; conditions: string[] }[] = [
    {
      name: 'every group ready, nothing rolling: converged',
      management: 1,
      raft: 3,
      conditions: ['Ready=True/AllGroupsReady: all 2 groups are ready', 'Progressing=False/Converged: every group runs its desired pods', 'Degraded=False/AsExpected: no problems'],
    },
    {
      name: 'a group short of pods: waiting for them',
      management: 1,
      raft: 1,
      conditions: ['Ready=False/GroupsNotReady: pods ready: raft 1/3', 'Progressing=True/WaitingForPods: waiting for raft 1/3', 'Degraded=False/AsExpected: no problems'],
    },
    {
      name: 'both short: each named',
      management: 0,
      raft: 2,
      conditions: ['Ready=False/GroupsNotReady: pods ready: management 0/1, raft 2/3', 'Progressing=True/WaitingForPods: waiting for management 0/1, raft 2/3', 'Degraded=False/AsExpected: no problems'],
    },
    {
      name: 'problems: Degraded by the first, with every message, and nothing progresses',
      management: 1,
      raft: 3,
      problems,
      conditions: [
        'Ready=True/AllGroupsReady: all 2 groups are ready',
        'Progressing=False/Blocked: see Degraded',
        'Degraded=True/ApplyFailed: applying ConfigMap a failed: Forbidden; Service b already exists',
      ],
    },
    {
      name: 'a roll under way: not Ready though every pod is, Progressing says what it does',
      management: 1,
      raft: 3,
      rollout: rollout({ progress: 'raft: 1/3 updated, replacing example-atomixcluster-raft-1' }),
      conditions: [
        'Ready=False/GroupsNotReady: pods ready: all, some on an outdated revision',
        'Progressing=True/RollingUpdate: raft: 1/3 updated, replacing example-atomixcluster-raft-1',
        'Degraded=False/AsExpected: no problems',
        'Quorate=True/GroupsWritable: every group took a write',
      ],
    },
    {
      name: 'a full restart is named as such',
      management: 0,
      raft: 0,
      rollout: rollout({ progress: 'full restart: 0/4 members Ready', progressReason: 'FullRestart' }),
      conditions: [
        'Ready=False/GroupsNotReady: pods ready: management 0/1, raft 0/3',
        'Progressing=True/FullRestart: full restart: 0/4 members Ready',
        'Degraded=False/AsExpected: no problems',
        'Quorate=True/GroupsWritable: every group took a write',
      ],
    },
    {
      name: 'a problem during a roll blocks it',
      management: 1,
      raft: 3,
      problems: problems.slice(1),
      rollout: rollout({ progress: 'raft: 1/3 updated' }),
      conditions: [
        'Ready=False/GroupsNotReady: pods ready: all, some on an outdated revision',
        'Progressing=False/Blocked: see Degraded',
        'Degraded=True/NameConflict: Service b already exists',
        'Quorate=True/GroupsWritable: every group took a write',
      ],
    },
    {
      name: 'groups that took no write: Quorate False, each with why',
      management: 1,
      raft: 3,
      rollout: rollout({}, [
        ['management', { writable: true }],
        ['raft', { writable: false, reason: '1 of 3 members Ready' }],
        ['extra', { writable: false, reason: 'timeout' }],
      ]),
      conditions: [
        'Ready=True/AllGroupsReady: all 2 groups are ready',
        'Progressing=False/Converged: every group runs its desired pods',
        'Degraded=False/AsExpected: no problems',
        'Quorate=False/GroupsNotWritable: raft: 1 of 3 members Ready; extra: timeout',
      ],
    },
  ];
  for (const { name, management, raft, problems: found = [], rollout: report, conditions } of cases) {
    test(name, () => {
      const status = computeStatus(cluster, plan, lookupOf(observed(management), observed(raft)), found, NOW, report);
      assert.deepEqual(conditionsOf(status), conditions);
      assert.ok((status.conditions ?? []).every((c) => c.observedGeneration === 5 && c.lastTransitionTime === NOW.toISOString()));
    });
  }
});

describe('the status fields', () => {
  test('the service, the generation seen, the groups ready, and per group its counts', () => {
    const status = computeStatus(cluster, plan, lookupOf(observed(1), observed(2)), [], NOW);
    assert.deepEqual({ ...status, conditions: [] }, {
      serviceName: 'example-atomixcluster-service',
      observedGeneration: 5,
      readyGroups: '1/2',
      conditions: [],
      managementGroup: { name: 'management', replicas: 1, readyReplicas: 1, updatedReplicas: 1 },
      partitionGroups: [{ name: 'raft', replicas: 3, readyReplicas: 2, updatedReplicas: 2 }],
    });
  });

  test('no observedGeneration without a generation', () => {
    const status = computeStatus(exampleCluster(), plan, lookupOf(observed(1), observed(3)), [], NOW);
    assert.equal('observedGeneration' in status, false);
  });

  test('updatedReplicas only once the StatefulSet controller has seen the current spec', () => {
    const status = computeStatus(cluster, plan, lookupOf(observed(1), observed(3, 2, 1)), [], NOW);
    assert.deepEqual(status.partitionGroups, [{ name: 'raft', replicas: 3, readyReplicas: 0 }]);
    const none = computeStatus(cluster, plan, lookupOf(observed(1), undefined), [], NOW);
    assert.deepEqual(none.partitionGroups, [{ name: 'raft', replicas: 3, readyReplicas: 0 }], 'nor without a StatefulSet');
  });

  test('the rollout’s revisions and whether the group took writes', () => {
    const report = rollout({ groups: new Map([['raft', { currentRevision: 'r1', updateRevision: 'r2' }]]) }, [['raft', { writable: false, reason: 'timeout' }]]);
    const status = computeStatus(cluster, plan, lookupOf(observed(1), observed(3)), [], NOW, report);
    assert.deepEqual(status.partitionGroups, [{ name: 'raft', replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'r1', updateRevision: 'r2', available: false }]);
    assert.deepEqual(status.managementGroup, { name: 'management', replicas: 1, readyReplicas: 1, updatedReplicas: 1 }, 'no verdict, no available');
  });

  test('the benchmark is a group of its own, not probed', () => {
    const bench = exampleCluster('atomixcluster_cr_bench.yaml');
    const benchPlan = planCluster(bench);
    assert.ok(benchPlan.benchmark, 'the bench example has a benchmark');
    const allReady = (name: string): ObservedStatefulSet => ({ metadata: { generation: 1 }, status: { observedGeneration: 1, readyReplicas: name.includes('bench') ? 0 : 9, updatedReplicas: 9 } });
    const status = computeStatus(bench, benchPlan, allReady, [], NOW, rollout());
    assert.equal(status.benchmark?.name, benchPlan.benchmark.name);
    assert.equal(status.benchmark.readyReplicas, 0);
    assert.equal('available' in status.benchmark, false);
    const groups = 2 + benchPlan.partitions.length;
    assert.equal(status.readyGroups, `${String(groups - 1)}/${String(groups)}`);
  });
});

describe('a spec nothing may be done for', () => {
  const problem: Problem = { reason: 'InvalidSpec', message: 'spec.version: unknown', terminal: true };
  const before: Condition = { type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: 'x', lastTransitionTime: '2026-12-01T09:00:00.000Z' };

  test('keeps the counts, and says why in every condition', () => {
    const status = invalidSpecStatus({ ...cluster, status: { readyGroups: '1/2', conditions: [before] } }, problem, NOW);
    assert.deepEqual(status, {
      readyGroups: '1/2',
      serviceName: 'example-atomixcluster-service',
      observedGeneration: 5,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'nothing is done for this spec; see Degraded', observedGeneration: 5, lastTransitionTime: '2026-12-01T09:00:00.000Z' },
        { type: 'Progressing', status: 'False', reason: 'Blocked', message: 'see Degraded', observedGeneration: 5, lastTransitionTime: NOW.toISOString() },
        { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message: 'spec.version: unknown', observedGeneration: 5, lastTransitionTime: NOW.toISOString() },
      ],
    });
  });

  test('without a generation, no observedGeneration', () => {
    const status = invalidSpecStatus(exampleCluster(), problem, NOW);
    assert.equal('observedGeneration' in status, false);
    assert.equal(status.serviceName, 'example-atomixcluster-service');
  });
});
