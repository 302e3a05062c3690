// What the rollout reads from a pod: whether it is a member of the StatefulSet (and which
// ordinal), its revision, readiness, termination, since when it is not Ready, and its
// container's state in words (RolloutStuck says it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { memberView, progress, type GroupView } from '../../../src/controller/rollout.js';

const T1 = '2026-12-01T10:00:00.000Z';
const T2 = '2026-12-01T11:00:00.000Z';

describe('which pods are members', () => {
  const cases: { name: string; pod: string; ordinal: number | undefined }[] = [
    { name: 'ordinal 0', pod: 'c-raft-0', ordinal: 0 },
    { name: 'a two-digit ordinal', pod: 'c-raft-12', ordinal: 12 },
    { name: 'another StatefulSet sharing the prefix', pod: 'c-raft-x-0', ordinal: undefined },
    { name: 'a fraction', pod: 'c-raft-1.5', ordinal: undefined },
    { name: 'a negative number', pod: 'c-raft--1', ordinal: undefined },
    { name: 'the StatefulSet’s own name', pod: 'c-raft', ordinal: undefined },
    { name: 'a pod of another StatefulSet with as many letters', pod: 'c-rafx-0', ordinal: undefined },
    { name: 'a pod without a name', pod: '', ordinal: undefined },
  ];
  for (const { name, pod, ordinal } of cases) {
    test(name, () => {
      assert.equal(memberView({ metadata: { name: pod } }, 'c-raft')?.ordinal, ordinal);
    });
  }

  test('a pod without metadata is none', () => {
    assert.equal(memberView({}, 'c-raft'), undefined);
  });
});

describe('what a member is', () => {
  test('its revision, readiness and since when, from the Ready condition', () => {
    const view = memberView(
      {
        metadata: { name: 'c-raft-1', labels: { 'controller-revision-hash': 'r9' }, creationTimestamp: T1 as unknown as Date },
        status: { conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: T1 as unknown as Date }, { type: 'Ready', status: 'True', lastTransitionTime: T2 as unknown as Date }] },
      },
      'c-raft',
    );
    assert.deepEqual({ ...view, pod: undefined }, { name: 'c-raft-1', ordinal: 1, revision: 'r9', ready: true, terminating: false, unreadySinceMs: Date.parse(T2), state: 'pod Pending', pod: undefined });
  });

  const cases: { name: string; pod: V1Pod; ready: boolean; terminating: boolean; sinceMs: number; revision?: string }[] = [
    { name: 'Ready False is not Ready', pod: { metadata: { name: 'c-raft-0' }, status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: T2 as unknown as Date }] } }, ready: false, terminating: false, sinceMs: Date.parse(T2) },
    { name: 'Ready Unknown is not Ready', pod: { metadata: { name: 'c-raft-0' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, ready: false, terminating: false, sinceMs: 0 },
    { name: 'another condition True is not Ready', pod: { metadata: { name: 'c-raft-0' }, status: { conditions: [{ type: 'ContainersReady', status: 'True' }] } }, ready: false, terminating: false, sinceMs: 0 },
    { name: 'without a Ready condition: since its creation', pod: { metadata: { name: 'c-raft-0', creationTimestamp: T1 as unknown as Date } }, ready: false, terminating: false, sinceMs: Date.parse(T1) },
    { name: 'an unreadable time counts as none', pod: { metadata: { name: 'c-raft-0', creationTimestamp: 'soon' as unknown as Date } }, ready: false, terminating: false, sinceMs: 0 },
    { name: 'a deletion timestamp: terminating', pod: { metadata: { name: 'c-raft-0', deletionTimestamp: T1 as unknown as Date, labels: { other: 'x' } } }, ready: false, terminating: true, sinceMs: 0 },
  ];
  for (const { name, pod, ready, terminating, sinceMs, revision } of cases) {
    test(name, () => {
      const view = memberView(pod, 'c-raft');
      assert.deepEqual({ ready: view?.ready, terminating: view?.terminating, sinceMs: view?.unreadySinceMs, revision: view?.revision }, { ready, terminating, sinceMs, revision });
    });
  }
});

describe('the container’s state in words', () => {
  const container = (status: Partial<V1ContainerStatus>): V1ContainerStatus => ({ name: 'atomix', image: 'atomix/atomix', imageID: '', ready: false, restartCount: 3, ...status });
  const cases: { name: string; status: V1Pod['status']; state: string }[] = [
    { name: 'no container yet: the pod’s phase', status: { phase: 'Pending' }, state: 'pod Pending' },
    { name: 'and the pod’s message', status: { phase: 'Failed', message: 'The node was low on resource: memory.' }, state: 'pod Failed: The node was low on resource: memory.' },
    { name: 'no status at all', status: undefined, state: 'pod Pending' },
    { name: 'waiting, with reason and message', status: { containerStatuses: [container({ state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } })] }, state: 'waiting: CrashLoopBackOff: back-off 5m0s; restarts 3' },
    { name: 'waiting, reason only', status: { containerStatuses: [container({ state: { waiting: { reason: 'ContainerCreating' } } })] }, state: 'waiting: ContainerCreating; restarts 3' },
    { name: 'waiting, nothing said', status: { containerStatuses: [container({ state: { waiting: {} } })] }, state: 'waiting: ; restarts 3' },
    { name: 'terminated', status: { containerStatuses: [container({ state: { terminated: { reason: 'Error', exitCode: 1 } } })] }, state: 'terminated: Error (exit code 1); restarts 3' },
    { name: 'terminated without a reason', status: { containerStatuses: [container({ state: { terminated: { exitCode: 137 } } })] }, state: 'terminated:  (exit code 137); restarts 3' },
    { name: 'running', status: { containerStatuses: [container({ state: { running: {} } })] }, state: 'running, not ready; restarts 3' },
    {
      name: 'and how the last run ended',
      status: { containerStatuses: [container({ state: { running: {} }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } })] },
      state: 'running, not ready; last run ended OOMKilled (exit code 137); restarts 3',
    },
    { name: 'a last run without a reason', status: { containerStatuses: [container({ state: { running: {} }, lastState: { terminated: { exitCode: 2 } } })] }, state: 'running, not ready; last run ended  (exit code 2); restarts 3' },
    { name: 'a last state that is not a termination', status: { containerStatuses: [container({ state: { running: {} }, lastState: { waiting: {} } })] }, state: 'running, not ready; restarts 3' },
  ];
  for (const { name, status, state } of cases) {
    test(name, () => {
      assert.equal(memberView({ metadata: { name: 'c-raft-0' }, ...(status ? { status } : {}) }, 'c-raft')?.state, state);
    });
  }
});

describe('progress', () => {
  const group = (updateRevision: string | undefined, revisions: string[]): GroupView => ({
    name: 'raft',
    statefulSet: 'c-raft',
    replicas: 3,
    writeProbe: { atomixGroup: 'raft', protocol: 'multi-raft', partitions: 3 },
    updateRevision,
    members: revisions.map((revision, ordinal) => {
      const view = memberView({ metadata: { name: `c-raft-${String(ordinal)}`, labels: { 'controller-revision-hash': revision } } }, 'c-raft');
      assert.ok(view);
      return view;
    }),
  });
  const cases: { name: string; group: GroupView; progress: string }[] = [
    { name: 'members on the update revision count', group: group('r2', ['r1', 'r2', 'r2']), progress: 'raft: 2/3 updated' },
    { name: 'none yet', group: group('r2', ['r1', 'r1', 'r1']), progress: 'raft: 0/3 updated' },
    { name: 'of the desired size, however many members there are', group: group('r2', ['r2']), progress: 'raft: 1/3 updated' },
    { name: 'no update revision yet: none', group: group(undefined, ['r1', 'r1', 'r1']), progress: 'raft: 0/3 updated' },
  ];
  for (const { name, group: view, progress: expected } of cases) {
    test(name, () => {
      assert.equal(progress(view), expected);
    });
  }
});
