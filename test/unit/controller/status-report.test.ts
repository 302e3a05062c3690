// Writing the status: nothing when it did not change, a new verdict or generation at once, mere
// progress at most every 30 s; a Warning when a problem changes the verdict; and the status just
// written remembered while the cache still shows the cluster as it was.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AtomixCluster, AtomixClusterStatus, Condition } from '../../../src/api/schema.js';
import { STATUS_COALESCE_MS, StatusReport } from '../../../src/controller/status-report.js';
import { startPass } from '../../../src/controller/pass.js';
import type { Problem } from '../../../src/controller/status.js';
import { exampleCluster } from '../../support/manifests.js';

const MAX_LAG_MS = 30_000;
const KEY = 'default/example-atomixcluster';
const TIME = '2026-12-01T09:00:00.000Z';

const ready = (status: 'True' | 'False', message = 'm'): Condition => ({ type: 'Ready', status, reason: status === 'True' ? 'AllGroupsReady' : 'GroupsNotReady', message, lastTransitionTime: TIME });
const statusOf = (readyGroups: string, conditions: Condition[], observedGeneration = 1): AtomixClusterStatus => ({ observedGeneration, readyGroups, conditions });

/** A StatusReport whose writes and Warnings are recorded; the clock is `nowMs`; `keepVersion`: a write leaves the cluster at version 10. */
function report(keepVersion = false) {
  const written: AtomixClusterStatus[] = [];
  const warnings: string[] = [];
  const clock = { nowMs: 1_000_000 };
  let version = 10;
  const statuses = new StatusReport(
    {
      writer: { writeStatus: async (_cluster: AtomixCluster, status: AtomixClusterStatus) => (written.push(status), { resourceVersion: keepVersion ? '10' : String(++version) }) } as never,
      events: { normal: () => undefined, warning: (_cluster, reason, message) => warnings.push(`${reason}: ${message}`) },
      now: () => new Date(clock.nowMs),
    },
    MAX_LAG_MS,
  );
  return { statuses, written, warnings, clock };
}

function cluster(status: AtomixClusterStatus | undefined, resourceVersion = '10', generation = 1): AtomixCluster {
  const example = exampleCluster();
  return { ...example, metadata: { ...example.metadata, resourceVersion, generation }, ...(status ? { status } : {}) };
}

const passFor = (c: AtomixCluster) => startPass(KEY, c, async () => false);

describe('when the status is written', () => {
  const before = statusOf('1/2', [ready('False', 'pods ready: raft 1/3')]);
  const cases: { name: string; previous: AtomixClusterStatus | undefined; next: AtomixClusterStatus; writes: boolean }[] = [
    { name: 'not when it did not change', previous: before, next: statusOf('1/2', [ready('False', 'pods ready: raft 1/3')]), writes: false },
    { name: 'at once for a first status', previous: undefined, next: before, writes: true },
    { name: 'at once for a new verdict', previous: before, next: statusOf('2/2', [ready('True')]), writes: true },
    { name: 'at once for a new generation', previous: before, next: statusOf('1/2', [ready('False', 'pods ready: raft 1/3')], 2), writes: true },
    { name: 'at once for progress when nothing was written before (by this process)', previous: before, next: statusOf('1/2', [ready('False', 'pods ready: raft 2/3')]), writes: true },
  ];
  for (const { name, previous, next, writes } of cases) {
    test(name, async () => {
      const { statuses, written } = report();
      assert.equal(await statuses.write(passFor(cluster(previous)), next, []), undefined);
      assert.deepEqual(written, writes ? [next] : []);
    });
  }

  test('progress within 30 s of the last write waits for the rest of them, then goes', async () => {
    const { statuses, written, clock } = report();
    const first = statusOf('1/2', [ready('False', 'pods ready: raft 1/3')]);
    await statuses.write(passFor(cluster(undefined)), first, []);
    const progress = statusOf('1/2', [ready('False', 'pods ready: raft 2/3')]);
    clock.nowMs += 10_000;
    assert.equal(await statuses.write(passFor(cluster(first, '11')), progress, []), STATUS_COALESCE_MS - 10_000);
    clock.nowMs += STATUS_COALESCE_MS - 10_000 - 1;
    assert.equal(await statuses.write(passFor(cluster(first, '11')), progress, []), 1);
    assert.equal(written.length, 1);
    clock.nowMs += 1;
    assert.equal(await statuses.write(passFor(cluster(first, '11')), progress, []), undefined);
    assert.deepEqual(written, [first, progress]);
  });

  test('a new verdict within 30 s is not held back', async () => {
    const { statuses, written, clock } = report();
    const first = statusOf('1/2', [ready('False')]);
    await statuses.write(passFor(cluster(undefined)), first, []);
    clock.nowMs += 1_000;
    await statuses.write(passFor(cluster(first, '11')), statusOf('2/2', [ready('True')]), []);
    assert.equal(written.length, 2);
  });
});

describe('Warnings', () => {
  const problems: Problem[] = [
    { reason: 'ApplyFailed', message: 'applying ConfigMap a failed: Forbidden' },
    { reason: 'DeleteFailed', message: 'deleting Service b failed: Forbidden' },
  ];
  const degraded: Condition = { type: 'Degraded', status: 'True', reason: 'ApplyFailed', message: 'x', lastTransitionTime: TIME };

  test('a problem that changes the verdict is said, named by the first, with every message', async () => {
    const { statuses, warnings } = report();
    await statuses.write(passFor(cluster(statusOf('1/2', [ready('False')]))), statusOf('1/2', [ready('False'), degraded]), problems);
    assert.deepEqual(warnings, ['ApplyFailed: applying ConfigMap a failed: Forbidden; deleting Service b failed: Forbidden']);
  });

  test('a problem already said is not said again with the next status', async () => {
    const { statuses, warnings } = report();
    await statuses.write(passFor(cluster(statusOf('1/2', [ready('False'), degraded]))), statusOf('1/2', [ready('False'), degraded], 2), problems);
    assert.deepEqual(warnings, []);
  });

  test('a new verdict without problems says nothing', async () => {
    const { statuses, warnings } = report();
    await statuses.write(passFor(cluster(statusOf('1/2', [ready('False')]))), statusOf('2/2', [ready('True')]), []);
    assert.deepEqual(warnings, []);
  });

  test('a first status with a problem is said', async () => {
    const { statuses, warnings } = report();
    await statuses.write(passFor(cluster(undefined)), statusOf('0/2', [degraded]), problems.slice(0, 1));
    assert.deepEqual(warnings, ['ApplyFailed: applying ConfigMap a failed: Forbidden']);
  });
});

describe('knownStatus', () => {
  const cached = statusOf('1/2', [ready('False')]);
  const next = statusOf('2/2', [ready('True')]);

  /** Writes `next` over a cluster at resourceVersion 10 (the write makes it 11), then asks at `afterMs` with the cache at `cachedVersion`. */
  async function known(cachedVersion: string, afterMs: number, keepVersion = false) {
    const { statuses, clock } = report(keepVersion);
    await statuses.write(passFor(cluster(cached, '10')), next, []);
    clock.nowMs += afterMs;
    return statuses.knownStatus(KEY, cluster(cached, cachedVersion));
  }

  test('the status just written while the cache shows the version it replaced', async () => {
    assert.deepEqual(await known('10', 0), next);
    assert.deepEqual(await known('10', MAX_LAG_MS - 1), next);
  });

  test('the cached one once the cache moved on', async () => {
    assert.deepEqual(await known('11', 0), cached);
  });

  test('the cached one after the lag limit', async () => {
    assert.deepEqual(await known('10', MAX_LAG_MS), cached);
  });

  test('the cached one when the write kept the version (nothing changed)', async () => {
    assert.deepEqual(await known('10', 0, true), cached);
  });

  test('the cached one for a cluster never written, or forgotten', async () => {
    const { statuses } = report();
    assert.deepEqual(statuses.knownStatus(KEY, cluster(cached)), cached);
    await statuses.write(passFor(cluster(cached, '10')), next, []);
    statuses.forget(KEY);
    assert.deepEqual(statuses.knownStatus(KEY, cluster(cached, '10')), cached);
  });
});
