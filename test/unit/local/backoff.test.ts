import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF, formatDuration, nextBackoff, type BackoffState } from '../../../src/local/node/backoff.js';

function delays(failures: number, ranForMs = 1000): number[] {
  let state: BackoffState;
  const result: number[] = [];
  for (let i = 0; i < failures; i++) {
    const step = nextBackoff(state, ranForMs);
    result.push(step.delayMs / 1000);
    state = step.state;
  }
  return result;
}

test('the first retry is immediate, then 10 s doubling, capped at 5 min', () => {
  assert.deepEqual(delays(10), [0, 10, 20, 40, 80, 160, 300, 300, 300, 300]);
});

test('a container that ran for 10 minutes starts the series over', () => {
  let state: BackoffState;
  for (let i = 0; i < 5; i++) state = nextBackoff(state, 1000).state;
  assert.equal(nextBackoff(state, BACKOFF.resetAfterMs - 1).delayMs, 160_000);
  const reset = nextBackoff(state, BACKOFF.resetAfterMs);
  assert.equal(reset.delayMs, 0);
  assert.equal(nextBackoff(reset.state, 1000).delayMs, 10_000);
});

test('durations print like the kubelet prints them', () => {
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(160_000), '2m40s');
  assert.equal(formatDuration(300_000), '5m0s');
});
