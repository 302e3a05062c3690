// Whether two condition lists give the same verdict (a status write at once) or only differ in
// progress (coalesced): types, statuses and reasons count, messages and times do not; a group
// regaining its quorum is progress, losing it is news. And one Event per kind of change.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Condition } from '../../../src/api/schema.js';
import { mergeConditions, sameVerdict } from '../../../src/controller/conditions.js';
import { Changes } from '../../../src/controller/changes.js';

const TIME = '2026-12-01T09:00:00.000Z';
const c = (type: string, status: 'True' | 'False', reason: string, message = 'm'): Condition => ({ type, status, reason, message, lastTransitionTime: TIME });

describe('sameVerdict', () => {
  const ready = c('Ready', 'True', 'AllGroupsReady');
  const cases: { name: string; before: Condition[] | undefined; next: Condition[] | undefined; same: boolean }[] = [
    { name: 'identical lists', before: [ready], next: [ready], same: true },
    { name: 'another message and time', before: [ready], next: [{ ...ready, message: 'other', lastTransitionTime: '2026-12-02T00:00:00Z' }], same: true },
    { name: 'another order', before: [ready, c('Degraded', 'False', 'AsExpected')], next: [c('Degraded', 'False', 'AsExpected'), ready], same: true },
    { name: 'a status flipped', before: [ready], next: [c('Ready', 'False', 'AllGroupsReady')], same: false },
    { name: 'another reason', before: [ready], next: [c('Ready', 'True', 'Other')], same: false },
    { name: 'a condition more', before: [ready], next: [ready, c('Degraded', 'False', 'AsExpected')], same: false },
    { name: 'no conditions either side', before: undefined, next: undefined, same: true },
    { name: 'none before, some now', before: undefined, next: [ready], same: false },
    { name: 'regaining the quorum is progress', before: [ready, c('Quorate', 'False', 'GroupsNotWritable')], next: [ready, c('Quorate', 'True', 'GroupsWritable')], same: true },
    { name: 'a first Quorate True is progress too', before: [ready], next: [ready, c('Quorate', 'True', 'GroupsWritable')], same: true },
    { name: 'losing it is news', before: [ready, c('Quorate', 'True', 'GroupsWritable')], next: [ready, c('Quorate', 'False', 'GroupsNotWritable')], same: false },
    { name: 'regaining it beside another change is news', before: [ready, c('Quorate', 'False', 'GroupsNotWritable')], next: [c('Ready', 'False', 'GroupsNotReady'), c('Quorate', 'True', 'GroupsWritable')], same: false },
    { name: 'a Ready True is no quorum: news', before: [c('Ready', 'False', 'GroupsNotReady')], next: [c('Ready', 'True', 'GroupsNotReady')], same: false },
  ];
  for (const { name, before, next, same } of cases) {
    test(name, () => {
      assert.equal(sameVerdict(before, next), same);
    });
  }
});

test('mergeConditions keeps the order and fields of the next conditions', () => {
  const merged = mergeConditions([c('Ready', 'True', 'A')], [{ type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problems' }, { type: 'Ready', status: 'True', reason: 'B', message: 'n' }], 2, new Date(TIME));
  assert.deepEqual(merged, [
    { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problems', observedGeneration: 2, lastTransitionTime: TIME },
    { type: 'Ready', status: 'True', reason: 'B', message: 'n', observedGeneration: 2, lastTransitionTime: TIME },
  ]);
});

describe('changes', () => {
  test('one Event per kind of change, its objects in the order they changed', () => {
    const changes = new Changes();
    changes.add({ reason: 'Created', object: 'ConfigMap a' });
    changes.add({ reason: 'Updated', object: 'Service b' });
    changes.add({ reason: 'Created', object: 'StatefulSet c' });
    changes.add({ reason: 'Deleted', object: 'Service d' });
    const events: string[] = [];
    changes.report((reason, message) => events.push(`${reason}: ${message}`));
    assert.deepEqual(events, ['Created: created ConfigMap a, StatefulSet c', 'Updated: updated Service b', 'Deleted: deleted Service d']);
  });

  test('no change, no Event', () => {
    const events: string[] = [];
    new Changes().report((reason) => events.push(reason));
    assert.deepEqual(events, []);
  });
});
