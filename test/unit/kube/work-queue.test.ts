import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, settle } from '../../../src/kube/clock.js';
import { defaultControllerRateLimiter, ExponentialBackoffRateLimiter, TokenBucketRateLimiter, WorkQueue, type WorkQueueMetrics } from '../../../src/kube/work-queue.js';

function newQueue(clock = new ManualClock()): { queue: WorkQueue; clock: ManualClock } {
  return { queue: new WorkQueue({ clock }), clock };
}

/** Resolves whatever `get` returns, or 'pending' if it has not resolved after promises settle. */
async function poll(pending: Promise<string | undefined>): Promise<string | undefined> {
  let value: string | undefined = 'pending';
  void pending.then((key) => (value = key));
  await settle();
  return value;
}

test('a key added several times before processing is handed out once', async () => {
  const { queue } = newQueue();
  queue.add('ns/a');
  queue.add('ns/b');
  queue.add('ns/a');
  assert.equal(queue.len(), 2);
  assert.equal(await queue.get(), 'ns/a');
  assert.equal(await queue.get(), 'ns/b');
  assert.equal(await poll(queue.get()), 'pending');
});

test('keys come out in FIFO order', async () => {
  const { queue } = newQueue();
  for (const key of ['c', 'a', 'b']) queue.add(key);
  assert.deepEqual([await queue.get(), await queue.get(), await queue.get()], ['c', 'a', 'b']);
});

test('a key re-added while processing is not handed to a second worker, and gets one more pass after done', async () => {
  const { queue } = newQueue();
  queue.add('k');
  assert.equal(await queue.get(), 'k');
  queue.add('k');
  queue.add('k');
  const second = queue.get();
  assert.equal(await poll(second), 'pending', 'must not be handed out while in flight');
  queue.done('k');
  assert.equal(await second, 'k');
  queue.done('k');
  assert.equal(await poll(queue.get()), 'pending', 'exactly one extra pass');
});

test('done without a re-add does not requeue', async () => {
  const { queue } = newQueue();
  queue.add('k');
  await queue.get();
  queue.done('k');
  assert.equal(queue.len(), 0);
});

test('a waiting get is woken by add', async () => {
  const { queue } = newQueue();
  const waiting = queue.get();
  queue.add('k');
  assert.equal(await waiting, 'k');
});

test('addAfter makes the key ready only when the delay has passed', async () => {
  const { queue, clock } = newQueue();
  queue.addAfter('k', 100);
  assert.equal(queue.len(), 0);
  await clock.advance(99);
  assert.equal(queue.len(), 0);
  await clock.advance(1);
  assert.equal(queue.len(), 1);
});

test('addAfter keeps the earliest ready time', async () => {
  const { queue, clock } = newQueue();
  queue.addAfter('k', 100);
  queue.addAfter('k', 500);
  queue.addAfter('k', 50);
  assert.equal(clock.pendingTimers(), 1, 'one timer per key');
  await clock.advance(50);
  assert.equal(await queue.get(), 'k');
  queue.done('k');
  await clock.advance(1000);
  assert.equal(queue.len(), 0, 'the superseded later adds do not fire');
});

test('addAfter with a non-positive delay adds immediately', () => {
  const { queue } = newQueue();
  queue.addAfter('k', 0);
  assert.equal(queue.len(), 1);
});

test('addRateLimited backs off exponentially per key and forget resets it', async () => {
  const { queue, clock } = newQueue();
  const readyAfter = async (key: string): Promise<number> => {
    const start = clock.now();
    queue.addRateLimited(key);
    while (queue.len() === 0) await clock.advance(1);
    await queue.get();
    queue.done(key);
    return clock.now() - start;
  };
  assert.deepEqual([await readyAfter('k'), await readyAfter('k'), await readyAfter('k')], [5, 10, 20]);
  assert.equal(await readyAfter('other'), 5, 'backoff is per key');
  assert.equal(queue.numRequeues('k'), 3);
  queue.forget('k');
  assert.equal(await readyAfter('k'), 5);
});

test('the backoff is capped', () => {
  const limiter = new ExponentialBackoffRateLimiter(5, 1000);
  const delays = Array.from({ length: 12 }, () => limiter.when('k'));
  assert.deepEqual(delays.slice(0, 4), [5, 10, 20, 40]);
  assert.equal(Math.max(...delays), 1000);
  assert.equal(delays.at(-1), 1000);
  for (let i = 0; i < 100; i++) limiter.when('k');
  assert.equal(limiter.when('k'), 1000, 'no overflow after many failures');
});

test('shutDown releases waiting workers with undefined and ignores later adds', async () => {
  const { queue, clock } = newQueue();
  const waiting = queue.get();
  queue.addAfter('delayed', 10);
  queue.shutDown();
  assert.equal(await waiting, undefined);
  queue.add('k');
  assert.equal(await queue.get(), undefined);
  assert.equal(clock.pendingTimers(), 0, 'delayed adds are cancelled');
});

test('metrics observe adds, depth, retries, wait and work time', async () => {
  const clock = new ManualClock();
  const seen = { added: 0, depth: [] as number[], retried: 0, waited: [] as number[], worked: [] as number[] };
  const metrics: WorkQueueMetrics = {
    added: () => seen.added++,
    depth: (depth) => seen.depth.push(depth),
    retried: () => seen.retried++,
    waited: (seconds) => seen.waited.push(seconds),
    worked: (seconds) => seen.worked.push(seconds),
  };
  const queue = new WorkQueue({ clock, metrics });
  queue.add('k');
  queue.add('k');
  await clock.advance(2000);
  await queue.get();
  await clock.advance(500);
  queue.done('k');
  queue.addRateLimited('k');
  assert.equal(seen.added, 1);
  assert.deepEqual(seen.depth, [1, 0]);
  assert.deepEqual(seen.waited, [2]);
  assert.deepEqual(seen.worked, [0.5]);
  assert.equal(seen.retried, 1);
});

test('the token bucket lets a burst through, then spaces retries at its rate', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucketRateLimiter(10, 3, clock);
  assert.deepEqual([bucket.when(), bucket.when(), bucket.when()], [0, 0, 0]);
  assert.equal(bucket.when(), 100, 'the fourth waits for the next token');
  assert.equal(bucket.when(), 200, 'and the fifth for the one after');
  await clock.advance(1_000);
  assert.equal(bucket.when(), 0, 'tokens came back');
});

test('the default rate limiter is the larger of per-key backoff and the shared bucket', () => {
  const clock = new ManualClock();
  const limiter = defaultControllerRateLimiter(clock);
  const delays = Array.from({ length: 150 }, (_, i) => limiter.when(`key-${i}`));
  assert.equal(delays[0], 5, 'a first failure backs off 5 ms');
  assert.equal(delays[99], 5, 'a hundred different keys fit the burst');
  assert.equal(delays[149], 5_000, 'the 150th retry waits for its token: 10 per second');
  assert.equal(limiter.when('key-0'), 5_100, 'the bucket applies to a key with a short backoff too');
  limiter.forget('key-0');
  assert.equal(limiter.numRequeues('key-0'), 0);
  const queue = new WorkQueue({ clock });
  queue.addRateLimited('k');
  assert.equal(queue.numRequeues('k'), 1, 'the queue uses it by default');
});

test('the token bucket refills in proportion to the time passed since its last use', async () => {
  const clock = new ManualClock(5_000);
  const bucket = new TokenBucketRateLimiter(10, 3, clock);
  await clock.advance(1_000);
  assert.deepEqual([bucket.when(), bucket.when(), bucket.when()], [0, 0, 0], 'the burst, drained a second after creation');
  await clock.advance(100);
  assert.equal(bucket.when(), 0, '100 ms at 10 per second bring back one token');
  assert.equal(bucket.when(), 100, 'and only one');
});

test('a shut-down queue ignores delayed and rate-limited adds', () => {
  const clock = new ManualClock();
  let retried = 0;
  const metrics: WorkQueueMetrics = { added: () => {}, depth: () => {}, retried: () => retried++, waited: () => {}, worked: () => {} };
  const queue = new WorkQueue({ clock, metrics });
  queue.shutDown();
  queue.addAfter('k', 10);
  queue.addRateLimited('k');
  assert.equal(clock.pendingTimers(), 0, 'no timer for a delayed add');
  assert.equal(queue.numRequeues('k'), 0, 'a rate-limited add counts no failure');
  assert.equal(retried, 0);
});

test('a later delayed add does not postpone a pending one', async () => {
  const { queue, clock } = newQueue();
  queue.addAfter('k', 50);
  queue.addAfter('k', 100);
  await clock.advance(50);
  assert.equal(queue.len(), 1);
});

test('an equal delayed add keeps the pending one and its place among other keys', async () => {
  const { queue, clock } = newQueue();
  queue.addAfter('a', 100);
  queue.addAfter('b', 100);
  queue.addAfter('a', 100);
  await clock.advance(100);
  assert.deepEqual([await queue.get(), await queue.get()], ['a', 'b']);
});

test('done for a key no worker holds changes nothing', async () => {
  let worked = 0;
  const metrics: WorkQueueMetrics = { added: () => {}, depth: () => {}, retried: () => {}, waited: () => {}, worked: () => worked++ };
  const queue = new WorkQueue({ clock: new ManualClock(), metrics });
  queue.add('k');
  queue.done('k');
  assert.equal(worked, 0);
  assert.equal(queue.len(), 1);
  assert.equal(await queue.get(), 'k');
  assert.equal(await poll(queue.get()), 'pending', 'k was queued once');
});

test('a key re-added while in flight is not queued again after shutDown', async () => {
  const { queue } = newQueue();
  queue.add('k');
  await queue.get();
  queue.add('k');
  queue.shutDown();
  queue.done('k');
  assert.equal(queue.len(), 0);
});

test('the wait time runs from the moment the key was queued', async () => {
  const clock = new ManualClock(10_000);
  const waited: number[] = [];
  const metrics: WorkQueueMetrics = { added: () => {}, depth: () => {}, retried: () => {}, waited: (seconds) => waited.push(seconds), worked: () => {} };
  const queue = new WorkQueue({ clock, metrics });
  queue.add('k');
  await clock.advance(3_000);
  await queue.get();
  assert.deepEqual(waited, [3]);
});
