// Group health: a group is probed when its verdict is due or its Ready members changed, never
// in between, so a pass over an idle cluster costs no probe and its status stays the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupHealth, HEALTH_PROBE_INTERVAL_MS } from '../../../src/controller/group-health.js';
import type { WriteProbeTarget } from '../../../src/controller/group-probe.js';
import type { GroupView, MemberView } from '../../../src/controller/rollout.js';

const member = (ordinal: number, ready: boolean): MemberView => ({
  name: `c-raft-${String(ordinal)}`,
  ordinal,
  revision: 'r',
  ready,
  terminating: false,
  unreadySinceMs: 0,
  state: '',
  pod: {},
});

const raft = (ready: number): GroupView => ({
  name: 'raft',
  statefulSet: 'c-raft',
  replicas: 3,
  writeProbe: { atomixGroup: 'raft', protocol: 'multi-raft', partitions: 3 },
  updateRevision: 'r',
  members: [0, 1, 2].map((ordinal) => member(ordinal, ordinal < ready)),
});

describe('group health', () => {
  test('probes when due or when readiness changed, and reports the verdict', async () => {
    let nowMs = 0;
    const probes: WriteProbeTarget[] = [];
    let writable = true;
    const health = new GroupHealth({ probe: async (target) => (probes.push(target), writable ? { writable: true } : { writable: false, reason: 'timeout' }) }, () => new Date(nowMs));
    assert.deepEqual(await health.check('ns/c', [raft(3)]), new Map([['raft', { writable: true }]]));
    assert.deepEqual(probes.map((p) => p.through.map((m) => m.name)), [['c-raft-0', 'c-raft-1', 'c-raft-2']]);
    nowMs += HEALTH_PROBE_INTERVAL_MS - 1;
    writable = false;
    assert.deepEqual(await health.check('ns/c', [raft(3)]), new Map([['raft', { writable: true }]]), 'not due yet: the last verdict');
    assert.equal(probes.length, 1);
    assert.deepEqual(await health.check('ns/c', [raft(2)]), new Map([['raft', { writable: false, reason: 'timeout' }]]), 'a member left: probed at once');
    assert.equal(probes.length, 2);
    nowMs += HEALTH_PROBE_INTERVAL_MS;
    writable = true;
    await health.check('ns/c', [raft(2)]);
    assert.equal(probes.length, 3, 'due again');
  });

  test('tookWriteJustNow: only a write of the last check itself, and only one that succeeded', async () => {
    let writable = true;
    const health = new GroupHealth({ probe: () => Promise.resolve(writable ? { writable: true } : { writable: false, reason: 'timeout' }) }, () => new Date(0));
    await health.check('ns/c', [raft(3)]);
    assert.equal(health.tookWriteJustNow('ns/c', 'raft'), true, 'probed in this check, writable');
    await health.check('ns/c', [raft(3)]);
    assert.equal(health.tookWriteJustNow('ns/c', 'raft'), false, 'the earlier verdict reused: no write just now');
    writable = false;
    await health.check('ns/c', [raft(2)]);
    assert.equal(health.tookWriteJustNow('ns/c', 'raft'), false, 'probed, not writable');
    assert.equal(health.tookWriteJustNow('ns/other', 'raft'), false);
  });

  test('a group without a Ready member is not writable, and not probed', async () => {
    const health = new GroupHealth({ probe: () => assert.fail('no member to write through') }, () => new Date(0));
    assert.deepEqual(await health.check('ns/c', [raft(0)]), new Map([['raft', { writable: false, reason: 'no member of raft is Ready' }]]));
  });
});
