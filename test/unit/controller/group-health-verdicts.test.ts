// Group health in more detail: what each probe is told (the group, its size, its Ready members,
// terminating ones left out), verdicts kept per cluster and per group, a shorter age when asked,
// groups that went away, and forget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupHealth, HEALTH_PROBE_INTERVAL_MS } from '../../../src/controller/group-health.js';
import type { WriteProbeTarget } from '../../../src/controller/group-probe.js';
import type { GroupView, MemberView } from '../../../src/controller/rollout.js';

const member = (group: string, ordinal: number, ready: boolean, terminating = false): MemberView => ({
  name: `c-${group}-${String(ordinal)}`,
  ordinal,
  revision: 'r',
  ready,
  terminating,
  unreadySinceMs: 0,
  state: '',
  pod: {},
});

const group = (name: string, members: MemberView[], replicas = 3): GroupView => ({
  name,
  statefulSet: `c-${name}`,
  replicas,
  writeProbe: { atomixGroup: name, protocol: 'multi-raft', partitions: 3 },
  updateRevision: 'r',
  members,
});

function health() {
  const clock = { nowMs: 0 };
  const probes: WriteProbeTarget[] = [];
  const checks = new GroupHealth({ probe: async (target) => (probes.push(target), { writable: true }) }, () => new Date(clock.nowMs));
  return { checks, probes, clock };
}

describe('the probe', () => {
  test('is told the group, its size and its Ready members; terminating and not Ready ones are left out', async () => {
    const { checks, probes } = health();
    const raft = group('raft', [member('raft', 0, true), member('raft', 1, true, true), member('raft', 2, false)]);
    await checks.check('ns/c', [raft]);
    assert.equal(probes.length, 1);
    const [probe] = probes;
    assert.deepEqual({ group: probe?.group, replicas: probe?.replicas, ready: probe?.readyMembers, through: probe?.through.map((m) => m.name), probe: probe?.probe }, {
      group: 'raft',
      replicas: 3,
      ready: 1,
      through: ['c-raft-0'],
      probe: raft.writeProbe,
    });
  });

  test('a group whose Ready members are all terminating is not probed', async () => {
    const { checks, probes } = health();
    const verdicts = await checks.check('ns/c', [group('raft', [member('raft', 0, true, true)])]);
    assert.deepEqual(verdicts.get('raft'), { writable: false, reason: 'no member of raft is Ready' });
    assert.deepEqual(probes, []);
  });
});

describe('verdicts', () => {
  const management = group('management', [member('management', 0, true)], 1);
  const raft = group('raft', [0, 1, 2].map((o) => member('raft', o, true)));

  test('are kept per cluster: another cluster is probed on its own', async () => {
    const { checks, probes } = health();
    await checks.check('ns/a', [raft]);
    await checks.check('ns/b', [raft]);
    assert.equal(probes.length, 2);
  });

  test('are kept per group: each is due on its own', async () => {
    const { checks, probes, clock } = health();
    await checks.check('ns/c', [management]);
    clock.nowMs = 10_000;
    await checks.check('ns/c', [management, raft]);
    assert.deepEqual(probes.map((p) => p.group), ['management', 'raft']);
    clock.nowMs = HEALTH_PROBE_INTERVAL_MS;
    await checks.check('ns/c', [management, raft]);
    assert.deepEqual(probes.map((p) => p.group), ['management', 'raft', 'management'], 'management is due, raft is not');
  });

  test('a shorter age asks again sooner', async () => {
    const { checks, probes, clock } = health();
    await checks.check('ns/c', [raft], 5_000);
    clock.nowMs = 4_999;
    await checks.check('ns/c', [raft], 5_000);
    assert.equal(probes.length, 1);
    clock.nowMs = 5_000;
    await checks.check('ns/c', [raft], 5_000);
    assert.equal(probes.length, 2);
  });

  test('a group that went away is forgotten: back again, it is probed at once', async () => {
    const { checks, probes } = health();
    await checks.check('ns/c', [management, raft]);
    await checks.check('ns/c', [management]);
    await checks.check('ns/c', [management, raft]);
    assert.deepEqual(probes.map((p) => p.group), ['management', 'raft', 'raft']);
  });

  test('forget drops a cluster’s verdicts and what it just wrote', async () => {
    const { checks, probes } = health();
    await checks.check('ns/c', [raft]);
    assert.equal(checks.tookWriteJustNow('ns/c', 'raft'), true);
    checks.forget('ns/c');
    assert.equal(checks.tookWriteJustNow('ns/c', 'raft'), false);
    await checks.check('ns/c', [raft]);
    assert.equal(probes.length, 2);
  });

  test('only the groups probed in the last check took a write just now', async () => {
    const { checks, clock } = health();
    await checks.check('ns/c', [management]);
    clock.nowMs = 10_000;
    await checks.check('ns/c', [management, raft]);
    assert.equal(checks.tookWriteJustNow('ns/c', 'raft'), true);
    assert.equal(checks.tookWriteJustNow('ns/c', 'management'), false);
  });
});
