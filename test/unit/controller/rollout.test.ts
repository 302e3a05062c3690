// The rollout's decisions as a table: which member goes next, what the roll waits for, and
// when it is stuck, for the README example (management 1, raft 3) and bigger groups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { fullRestartStep, memberView, nextStep, rolloutStatus, type FullRestartStep, type GroupView, type MemberView, type RolloutStep } from '../../../src/controller/rollout.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const STUCK_AFTER_MS = 60_000;
const OLD = 'r1';
const NEW = 'r2';

/** A member of `statefulSet` by ordinal: `revision`, Ready or not, not Ready since `unreadyForMs`. */
interface MemberSpec {
  readonly revision?: string;
  readonly ready?: boolean;
  readonly unreadyForMs?: number;
  readonly terminating?: boolean;
}

function member(statefulSet: string, ordinal: number, spec: MemberSpec): MemberView {
  const since = new Date(NOW - (spec.unreadyForMs ?? 0)).toISOString();
  const pod: V1Pod = {
    metadata: {
      name: `${statefulSet}-${String(ordinal)}`,
      labels: { 'controller-revision-hash': spec.revision ?? NEW },
      creationTimestamp: since as unknown as Date,
      ...(spec.terminating ? { deletionTimestamp: since as unknown as Date } : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: (spec.ready ?? true) ? 'True' : 'False', lastTransitionTime: since as unknown as Date }],
      containerStatuses: [{ name: 'atomix', image: 'atomix/atomix:3.1.12', imageID: '', ready: spec.ready ?? true, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    },
  };
  const view = memberView(pod, statefulSet);
  assert.ok(view, `${statefulSet}-${String(ordinal)} is a member`);
  return view;
}

/** A group whose members are given by ordinal (a missing entry: no pod). */
function group(name: string, members: readonly (MemberSpec | undefined)[], replicas = members.length, updateRevision: string | null = NEW): GroupView {
  const statefulSet = `c-${name}`;
  return {
    name,
    statefulSet,
    replicas,
    updateRevision: updateRevision ?? undefined,
    writeProbe: { atomixGroup: name, protocol: 'multi-raft', partitions: 3 },
    members: members.flatMap((spec, ordinal) => (spec ? [member(statefulSet, ordinal, spec)] : [])),
  };
}

/** The group as the cluster's status last recorded it: currentRevision `revision`. */
const recorded = (view: GroupView, revision: string): GroupView => ({ ...view, recorded: { currentRevision: revision, updateRevision: view.updateRevision } });
const ready = (revision: string): MemberSpec => ({ revision, ready: true });
const rejoining = (unreadyForMs = 5_000): MemberSpec => ({ revision: NEW, ready: false, unreadyForMs });

/** The step in words: `replace c-raft-2`, `wait raft: ...`, `stuck c-raft-1`, `idle`. */
function describeStep(step: RolloutStep): string {
  switch (step.kind) {
    case 'idle':
      return 'idle';
    case 'wait':
      return `wait ${step.message}`;
    case 'stuck':
      return `stuck ${step.member.name}`;
    case 'replace':
      return `replace ${step.member.name} (peers ${step.peers.map((peer) => peer.name).join(',') || 'none'})`;
  }
}

const cases: { name: string; groups: GroupView[]; step: string }[] = [
  {
    name: 'every member on the update revision: nothing to do',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(NEW), ready(NEW), ready(NEW)])],
    step: 'idle',
  },
  {
    name: 'the StatefulSet controller has not observed the template yet: nothing is outdated',
    groups: [group('management', [ready(OLD)], 1, null), group('raft', [ready(OLD), ready(OLD), ready(OLD)], 3, null)],
    step: 'idle',
  },
  {
    name: 'the management group goes first, alone',
    groups: [group('management', [ready(OLD)]), group('raft', [ready(OLD), ready(OLD), ready(OLD)])],
    step: 'replace c-management-0 (peers none)',
  },
  {
    name: 'the management group waits while a data group member is not Ready',
    groups: [group('management', [ready(OLD)]), group('raft', [ready(OLD), rejoining(), ready(OLD)])],
    step: 'wait management: 0/1 updated, waiting for c-raft-1 of raft to be Ready first',
  },
  {
    name: 'a data group waits for the replaced management member',
    groups: [group('management', [rejoining()]), group('raft', [ready(OLD), ready(OLD), ready(OLD)])],
    step: 'wait raft: 0/3 updated, waiting for c-management-0 of management to be Ready first',
  },
  {
    name: 'within a group, the highest ordinal first',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), ready(OLD)])],
    step: 'replace c-raft-2 (peers c-raft-0,c-raft-1)',
  },
  {
    name: 'an outdated member that is not Ready goes before Ready ones',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), { revision: OLD, ready: false }, ready(OLD)])],
    step: 'replace c-raft-1 (peers c-raft-0,c-raft-2)',
  },
  {
    name: 'one member at a time: a replaced member must rejoin before the next goes',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), rejoining()])],
    step: 'wait raft: 1/3 updated, waiting for c-raft-2 to rejoin',
  },
  {
    name: 'a deleted member not yet recreated',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), undefined], 3)],
    step: 'wait raft: 0/3 updated, waiting for c-raft-2 to rejoin',
  },
  {
    name: 'a member still terminating',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), { revision: OLD, terminating: true }])],
    step: 'wait raft: 0/3 updated, waiting for c-raft-2 to rejoin',
  },
  {
    name: 'the rejoined member is Ready: the next one',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), ready(NEW)])],
    step: 'replace c-raft-1 (peers c-raft-0,c-raft-2)',
  },
  {
    name: 'a replaced member not Ready within the deadline stops the roll',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), ready(OLD), rejoining(STUCK_AFTER_MS + 1)])],
    step: 'stuck c-raft-2',
  },
  {
    name: 'a stuck management member stops the roll of the groups after it',
    groups: [group('management', [rejoining(STUCK_AFTER_MS + 1)]), group('raft', [ready(OLD), ready(OLD), ready(OLD)])],
    step: 'stuck c-management-0',
  },
  {
    name: 'the spec reverted: the stuck member is outdated now and goes first (forced rollback)',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(NEW), ready(NEW), { revision: 'bad', ready: false, unreadyForMs: 10 * STUCK_AFTER_MS }])],
    step: 'replace c-raft-2 (peers c-raft-0,c-raft-1)',
  },
  {
    name: 'the reverted single management member, never Ready, is replaced',
    groups: [group('management', [{ revision: 'bad', ready: false, unreadyForMs: 10 * STUCK_AFTER_MS }]), group('raft', [ready(NEW), ready(NEW), ready(NEW)])],
    step: 'replace c-management-0 (peers none)',
  },
  {
    name: 'the last replaced member not Ready yet: the roll waits for it',
    groups: [group('management', [ready(NEW)]), recorded(group('raft', [rejoining(), ready(NEW), ready(NEW)]), OLD)],
    step: 'wait raft: 3/3 updated, waiting for c-raft-0 to rejoin',
  },
  {
    name: 'the last replaced member not Ready within the deadline stops the roll',
    groups: [group('management', [ready(NEW)]), recorded(group('raft', [rejoining(STUCK_AFTER_MS + 1), ready(NEW), ready(NEW)]), OLD)],
    step: 'stuck c-raft-0',
  },
  {
    name: 'the single management member replaced last, never Ready: stuck',
    groups: [recorded(group('management', [rejoining(STUCK_AFTER_MS + 1)]), OLD), recorded(group('raft', [ready(NEW), ready(NEW), ready(NEW)]), NEW)],
    step: 'stuck c-management-0',
  },
  {
    name: 'the last replaced member Ready: the roll is over',
    groups: [group('management', [ready(NEW)]), recorded(group('raft', [ready(NEW), ready(NEW), ready(NEW)]), OLD)],
    step: 'idle',
  },
  {
    name: 'a member not Ready after the roll was over: no roll, nothing stuck',
    groups: [group('management', [ready(NEW)]), recorded(group('raft', [rejoining(STUCK_AFTER_MS + 1), ready(NEW), ready(NEW)]), NEW)],
    step: 'idle',
  },
  {
    name: 'a new group whose first pods are not Ready yet: no roll',
    groups: [group('management', [ready(NEW)]), group('raft', [rejoining(STUCK_AFTER_MS + 1), rejoining(STUCK_AFTER_MS + 1), undefined], 3)],
    step: 'idle',
  },
  {
    name: 'two outdated members not Ready (a bad spec fixed): the higher goes, the other need not turn Ready on its old revision first',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), { revision: OLD, ready: false }, { revision: OLD, ready: false }])],
    step: 'replace c-raft-2 (peers c-raft-0,c-raft-1)',
  },
  {
    name: 'then the other one, once the first is back and Ready',
    groups: [group('management', [ready(NEW)]), group('raft', [ready(OLD), { revision: OLD, ready: false }, rejoining()])],
    step: 'wait raft: 1/3 updated, waiting for c-raft-2 to rejoin',
  },
  {
    name: 'an outdated data member that is not Ready goes before the outdated management group',
    groups: [group('management', [ready(OLD)]), group('raft', [ready(OLD), ready(OLD), { revision: OLD, ready: false }])],
    step: 'replace c-raft-2 (peers c-raft-0,c-raft-1)',
  },
  {
    name: 'an outdated member that is not Ready still waits for a replacement in flight in another group',
    groups: [group('management', [rejoining()]), group('raft', [ready(OLD), { revision: OLD, ready: false }, ready(OLD)])],
    step: 'wait raft: 0/3 updated, waiting for c-management-0 of management to be Ready first',
  },
];

describe('the next rollout step', () => {
  for (const { name, groups, step } of cases) {
    test(name, () => assert.equal(describeStep(nextStep(groups, NOW, STUCK_AFTER_MS)), step));
  }

  test('RolloutStuck names the member and its container state', () => {
    const step = nextStep([group('raft', [ready(OLD), ready(OLD), rejoining(STUCK_AFTER_MS + 1)])], NOW, STUCK_AFTER_MS);
    assert.ok(step.kind === 'stuck');
    assert.match(step.message, /^raft: 1\/3 updated: c-raft-2 has not been Ready on revision r2 for 60 s \(waiting: CrashLoopBackOff; restarts 2\)/);
  });
});

describe('rollout status of a group', () => {
  test('names the revision the members not yet replaced run', () => {
    assert.deepEqual(rolloutStatus(group('raft', [ready(OLD), ready(NEW), ready(NEW)])), { currentRevision: OLD, updateRevision: NEW });
    assert.deepEqual(rolloutStatus(group('raft', [ready(NEW), ready(NEW)])), { currentRevision: NEW, updateRevision: NEW });
    assert.deepEqual(rolloutStatus(group('raft', [ready(OLD)], 1, null)), {});
  });

  test('the update revision becomes current only once every member runs it and is Ready', () => {
    assert.deepEqual(rolloutStatus(recorded(group('raft', [rejoining(), ready(NEW), ready(NEW)]), OLD)), { currentRevision: OLD, updateRevision: NEW });
    assert.deepEqual(rolloutStatus(recorded(group('raft', [ready(NEW), ready(NEW), undefined], 3), OLD)), { currentRevision: OLD, updateRevision: NEW });
    assert.deepEqual(rolloutStatus(recorded(group('raft', [ready(NEW), ready(NEW), ready(NEW)]), OLD)), { currentRevision: NEW, updateRevision: NEW });
    assert.deepEqual(rolloutStatus(group('raft', [rejoining(), ready(NEW), ready(NEW)])), { currentRevision: NEW, updateRevision: NEW }, 'a new group: its first pods are no roll');
  });

  test('a template not yet observed by the StatefulSet controller keeps the recorded revisions (the roll has just begun)', () => {
    const unobserved = group('raft', [ready(OLD), ready(OLD), ready(OLD)], 3, null);
    assert.deepEqual(rolloutStatus({ ...unobserved, recorded: { currentRevision: OLD, updateRevision: OLD } }), { currentRevision: OLD, updateRevision: OLD });
  });

  test('RolloutStuck of the last replaced member names it', () => {
    const step = nextStep([recorded(group('management', [rejoining(STUCK_AFTER_MS + 1)]), OLD)], NOW, STUCK_AFTER_MS);
    assert.ok(step.kind === 'stuck');
    assert.match(step.message, /^management: 1\/1 updated: c-management-0 has not been Ready on revision r2/);
  });

  test('pods of other StatefulSets sharing the prefix are not members', () => {
    assert.equal(memberView({ metadata: { name: 'c-raft-x-0' } }, 'c-raft'), undefined);
    assert.equal(memberView({ metadata: { name: 'c-raft-2' } }, 'c-raft')?.ordinal, 2);
  });
});

describe('the full restart step (updateStrategy FullRestart)', () => {
  const describeRestart = (step: FullRestartStep) =>
    step.kind === 'stop' ? `stop ${step.members.map((member) => member.name).join(',')}` : step.kind === 'wait' ? `wait ${step.message}` : 'idle';
  const cases: { name: string; groups: GroupView[]; step: string }[] = [
    {
      name: 'every outdated member of every group at once, Ready or not; terminating and updated ones left alone',
      groups: [group('management', [ready(OLD)]), group('raft', [ready(OLD), { revision: OLD, ready: false }, ready(NEW), { revision: OLD, terminating: true }])],
      step: 'stop c-management-0,c-raft-0,c-raft-1',
    },
    {
      name: 'nothing outdated: idle',
      groups: [group('management', [ready(NEW)]), group('raft', [rejoining(), ready(NEW), ready(NEW)])],
      step: 'idle',
    },
    {
      name: 'one StatefulSet has not observed its template: nothing is stopped, not even the groups that have',
      groups: [group('management', [ready(OLD)]), group('raft', [ready(OLD), ready(OLD), ready(OLD)], 3, null)],
      step: 'wait full restart: waiting for StatefulSet c-raft to take its new template before stopping any member',
    },
  ];
  for (const { name, groups, step } of cases) {
    test(name, () => assert.equal(describeRestart(fullRestartStep(groups)), step));
  }
});
