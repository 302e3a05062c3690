import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, settle } from '../../../src/kube/clock.js';
import { WorkQueue } from '../../../src/kube/work-queue.js';
import { runWorkers, TerminalError, type ReconcileOutcome, type Reconciler } from '../../../src/kube/workers.js';

function setup() {
  const clock = new ManualClock();
  const queue = new WorkQueue({ clock });
  const controller = new AbortController();
  const errors: Array<[string, unknown]> = [];
  const outcomes: ReconcileOutcome[] = [];
  const start = (concurrency: number, reconcile: Reconciler) =>
    runWorkers(queue, concurrency, reconcile, {
      signal: controller.signal,
      clock,
      onError: (key, error) => errors.push([key, error]),
      metrics: { reconciled: (outcome) => outcomes.push(outcome), activeWorkers: () => {} },
    });
  return { clock, queue, controller, errors, outcomes, start };
}

/** A reconcile whose calls stay pending until the test releases them. */
function gatedReconciler() {
  const calls: string[] = [];
  const releases: Array<() => void> = [];
  let active = 0;
  let maxActiveSameKey = 0;
  const activeByKey = new Map<string, number>();
  const reconcile: Reconciler = async (key) => {
    calls.push(key);
    active++;
    activeByKey.set(key, (activeByKey.get(key) ?? 0) + 1);
    maxActiveSameKey = Math.max(maxActiveSameKey, activeByKey.get(key) ?? 0);
    await new Promise<void>((resolve) => releases.push(resolve));
    activeByKey.set(key, (activeByKey.get(key) ?? 1) - 1);
    active--;
  };
  return {
    calls,
    reconcile,
    releaseAll: () => releases.splice(0).forEach((release) => release()),
    active: () => active,
    maxActiveSameKey: () => maxActiveSameKey,
  };
}

test('workers run different keys concurrently but never the same key twice at once', async () => {
  const { queue, controller, start } = setup();
  const gate = gatedReconciler();
  const running = start(3, gate.reconcile);
  queue.add('a');
  queue.add('b');
  await settle();
  assert.equal(gate.active(), 2);
  queue.add('a');
  await settle();
  assert.equal(gate.active(), 2, 'the re-added key waits for its running pass');
  gate.releaseAll();
  await settle();
  assert.deepEqual(gate.calls, ['a', 'b', 'a']);
  assert.equal(gate.maxActiveSameKey(), 1);
  gate.releaseAll();
  controller.abort();
  await running;
});

test('a thrown error is reported and retried with growing backoff; success resets it', async () => {
  const { clock, queue, controller, errors, outcomes, start } = setup();
  const callTimes: number[] = [];
  let failuresLeft = 3;
  const running = start(1, async () => {
    callTimes.push(clock.now());
    if (failuresLeft-- > 0) throw new Error('boom');
  });
  queue.add('k');
  await clock.advance(100);
  assert.deepEqual(callTimes, [0, 5, 15, 35]);
  assert.equal(errors.length, 3);
  assert.deepEqual(outcomes, ['error', 'error', 'error', 'success']);
  assert.equal(queue.numRequeues('k'), 0);
  controller.abort();
  await running;
});

test('requeueAfterMs resets the backoff and re-adds after the delay', async () => {
  const { clock, queue, controller, outcomes, start } = setup();
  const callTimes: number[] = [];
  let calls = 0;
  const running = start(1, async () => {
    callTimes.push(clock.now());
    if (calls++ === 0) throw new Error('first fails');
    return calls === 2 ? { requeueAfterMs: 1000 } : undefined;
  });
  queue.add('k');
  await clock.advance(5000);
  assert.deepEqual(callTimes, [0, 5, 1005]);
  assert.deepEqual(outcomes, ['error', 'requeue_after', 'success']);
  assert.equal(queue.numRequeues('k'), 0);
  controller.abort();
  await running;
});

test('a TerminalError is reported but not retried', async () => {
  const { clock, queue, controller, errors, start } = setup();
  let calls = 0;
  const running = start(1, async () => {
    calls++;
    throw new TerminalError('invalid spec');
  });
  queue.add('k');
  await clock.advance(60_000);
  assert.equal(calls, 1);
  assert.ok(errors[0]?.[1] instanceof TerminalError);
  controller.abort();
  await running;
});

test('a throwing error handler does not kill the worker loop', async () => {
  const clock = new ManualClock();
  const queue = new WorkQueue({ clock });
  const controller = new AbortController();
  const seen: string[] = [];
  const running = runWorkers(
    queue,
    1,
    async (key) => {
      seen.push(key);
      if (key === 'bad') throw new Error('boom');
    },
    { signal: controller.signal, clock, onError: () => { throw new Error('reporter broken'); } },
  );
  queue.add('bad');
  queue.add('good');
  await settle();
  assert.deepEqual(seen, ['bad', 'good']);
  controller.abort();
  await running;
});

test('aborting drains: in-flight reconciles finish, queued keys are not started', async () => {
  const { queue, controller, start } = setup();
  const gate = gatedReconciler();
  let finished = false;
  const running = start(1, gate.reconcile).then(() => (finished = true));
  queue.add('a');
  queue.add('b');
  await settle();
  controller.abort();
  await settle();
  assert.equal(finished, false, 'waits for the in-flight reconcile');
  gate.releaseAll();
  await running;
  assert.deepEqual(gate.calls, ['a']);
});

test('an already aborted signal returns without reconciling', async () => {
  const queue = new WorkQueue({ clock: new ManualClock() });
  queue.add('k');
  let calls = 0;
  await runWorkers(queue, 2, async () => {
    calls++;
  }, { signal: AbortSignal.abort() });
  assert.equal(calls, 0);
});

test('a blocked key is reported once per reason, not retried, and still honours its requeue', async () => {
  const { queue, controller, outcomes, clock } = setup();
  const reported: Array<[string, string]> = [];
  let passes = 0;
  // The first two passes are blocked by a name taken, every later one by immutable storage.
  const firstReasons = ['name taken', 'name taken'];
  const running = runWorkers(queue, 1, async () => ({ blocked: firstReasons[passes++] ?? 'storage immutable', requeueAfterMs: 1_000 }), {
    signal: controller.signal,
    clock,
    onBlocked: (key, reason) => reported.push([key, reason]),
    metrics: { reconciled: (outcome) => outcomes.push(outcome), activeWorkers: () => {} },
  });
  queue.add('k');
  await settle();
  for (let i = 0; i < 2; i++) await clock.advance(1_000);
  assert.equal(passes, 3, 'looked at again only when asked to');
  assert.deepEqual(reported, [['k', 'name taken'], ['k', 'storage immutable']]);
  assert.deepEqual(outcomes, ['blocked', 'blocked', 'blocked']);
  assert.equal(queue.numRequeues('k'), 0, 'no backoff: blocked is not a failure');
  controller.abort();
  await running;
});
