// The status as a function of the observed StatefulSets, and conditions whose
// lastTransitionTime moves only when their status flips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Condition } from '../../../src/api/schema.js';
import { mergeConditions, type ConditionInput } from '../../../src/controller/conditions.js';
import { computeStatus, type ObservedStatefulSet } from '../../../src/controller/status.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const EARLIER = '2026-12-01T09:00:00.000Z';

describe('ready pods of a group (the README example: management 1 pod, raft 3 pods)', () => {
  const cluster = exampleCluster();
  const readyRaftPods = (raft: ObservedStatefulSet | undefined) => {
    const management: ObservedStatefulSet = { metadata: { generation: 1 }, status: { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 } };
    const lookup = (name: string) => (name === 'example-atomixcluster-raft' ? raft : management);
    const status = computeStatus(cluster, planCluster(cluster), lookup, [], NOW);
    return { ready: status.partitionGroups?.[0]?.readyReplicas, readyGroups: status.readyGroups };
  };
  /** The raft StatefulSet at `generation`, with the counts its controller reported (none: no status yet). */
  const raftAt = (generation: number, status?: ObservedStatefulSet['status']): ObservedStatefulSet => ({ metadata: { generation }, ...(status ? { status } : {}) });
  const counts = (observedGeneration: number, readyReplicas?: number, updatedReplicas?: number) => ({ observedGeneration, readyReplicas, updatedReplicas });
  const cases: { name: string; raft: ObservedStatefulSet | undefined; ready: number; readyGroups: string }[] = [
    { name: 'no StatefulSet yet', raft: undefined, ready: 0, readyGroups: '1/2' },
    { name: 'a StatefulSet without status', raft: raftAt(1), ready: 0, readyGroups: '1/2' },
    { name: 'the StatefulSet controller has not seen the new generation: its counts are stale', raft: raftAt(2, counts(1, 3, 3)), ready: 0, readyGroups: '1/2' },
    { name: 'current generation, all pods ready and updated', raft: raftAt(2, counts(2, 3, 3)), ready: 3, readyGroups: '2/2' },
    { name: 'a newer observed generation counts as current', raft: raftAt(2, counts(3, 3, 3)), ready: 3, readyGroups: '2/2' },
    { name: 'ready pods not yet updated to the current spec do not count', raft: raftAt(2, counts(2, 3, 1)), ready: 1, readyGroups: '1/2' },
    { name: 'updated pods not yet ready do not count', raft: raftAt(2, counts(2, 2, 3)), ready: 2, readyGroups: '1/2' },
    { name: 'more ready pods than desired (scaling down) count as the desired number', raft: raftAt(2, counts(2, 5, 5)), ready: 3, readyGroups: '2/2' },
    { name: 'missing counts are zero', raft: raftAt(2, counts(2)), ready: 0, readyGroups: '1/2' },
  ];
  for (const { name, raft, ready, readyGroups } of cases) {
    test(name, () => {
      assert.deepEqual(readyRaftPods(raft), { ready, readyGroups });
    });
  }
});

describe('lastTransitionTime', () => {
  const previous: Condition[] = [{ type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: 'pods ready: raft 1/3', lastTransitionTime: EARLIER }];
  const merged = (next: ConditionInput) => mergeConditions(previous, [next], 7, NOW)[0];
  const cases: { name: string; next: ConditionInput; lastTransitionTime: string }[] = [
    { name: 'stays when nothing changes', next: { type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: 'pods ready: raft 1/3' }, lastTransitionTime: EARLIER },
    { name: 'stays when only the message changes', next: { type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: 'pods ready: raft 2/3' }, lastTransitionTime: EARLIER },
    { name: 'stays when only the reason changes', next: { type: 'Ready', status: 'False', reason: 'StorageImmutable', message: 'see Degraded' }, lastTransitionTime: EARLIER },
    { name: 'moves when the status flips', next: { type: 'Ready', status: 'True', reason: 'GroupsNotReady', message: 'all ready' }, lastTransitionTime: NOW.toISOString() },
    { name: 'is set for a condition seen the first time', next: { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problems' }, lastTransitionTime: NOW.toISOString() },
  ];
  for (const { name, next, lastTransitionTime } of cases) {
    test(name, () => {
      assert.deepEqual(merged(next), { ...next, observedGeneration: 7, lastTransitionTime });
    });
  }

  test('without a previous status every condition starts now; no generation, no observedGeneration', () => {
    assert.deepEqual(mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'AllGroupsReady', message: 'ok' }], undefined, NOW), [
      { type: 'Ready', status: 'True', reason: 'AllGroupsReady', message: 'ok', lastTransitionTime: NOW.toISOString() },
    ]);
  });
});
