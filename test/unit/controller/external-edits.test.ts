// Someone else keeps editing an owned object: the first edit is put back at once, the next ones
// with a delay that doubles (5 s, 10 s, 20 s ... up to 5 minutes), the fight is said once (at the
// second restore), and it is over after ten quiet minutes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExternalEdits, type DriftDecision } from '../../../src/controller/external-edits.js';

const at = (ms: number) => new Date(1_000_000 + ms);
const MINUTE = 60_000;

/** Drift seen at each time (ms after the start): the decisions in words. */
function decisions(times: readonly number[]): string[] {
  const edits = new ExternalEdits();
  return times.map((ms) => describeDecision(edits.onDrift('ns/c|ConfigMap/x', at(ms))));
}

function describeDecision(decision: DriftDecision): string {
  if (!decision.restore) return `wait ${String(decision.retryInMs)}`;
  return decision.escalated ? 'restore, say so' : 'restore';
}

describe('drift decisions', () => {
  const cases: { name: string; times: number[]; decided: string[] }[] = [
    { name: 'the first drift is put back at once', times: [0], decided: ['restore'] },
    { name: 'the next within five seconds waits for the rest of them', times: [0, 1_000], decided: ['restore', 'wait 4000'] },
    { name: 'after five seconds it is put back, and the fight said once', times: [0, 5_000], decided: ['restore', 'restore, say so'] },
    { name: 'then the delay is ten seconds', times: [0, 5_000, 14_999, 15_000], decided: ['restore', 'restore, say so', 'wait 1', 'restore'] },
    { name: 'then twenty', times: [0, 5_000, 15_000, 34_000, 35_000], decided: ['restore', 'restore, say so', 'restore', 'wait 1000', 'restore'] },
    {
      name: 'the delay stops growing at five minutes',
      times: [0, 5_000, 15_000, 35_000, 75_000, 155_000, 315_000, 615_000, 914_999, 915_000],
      decided: ['restore', 'restore, say so', 'restore', 'restore', 'restore', 'restore', 'restore', 'restore', 'wait 1', 'restore'],
    },
    { name: 'ten quiet minutes end the fight: the next drift is a first one', times: [0, 5_000, 5_000 + 10 * MINUTE, 5_000 + 10 * MINUTE + 1], decided: ['restore', 'restore, say so', 'restore', 'wait 4999'] },
    { name: 'just under ten minutes it is still the same fight', times: [0, 5_000, 5_000 + 10 * MINUTE - 1], decided: ['restore', 'restore, say so', 'restore'] },
  ];
  for (const { name, times, decided } of cases) {
    test(name, () => {
      assert.deepEqual(decisions(times), decided);
    });
  }

  test('a fight that starts again is said again', () => {
    assert.deepEqual(decisions([0, 5_000, 5_000 + 10 * MINUTE, 10_000 + 10 * MINUTE]), ['restore', 'restore, say so', 'restore', 'restore, say so']);
  });
});

describe('fights per object', () => {
  test('each object has its own', () => {
    const edits = new ExternalEdits();
    edits.onDrift('ns/c|ConfigMap/x', at(0));
    assert.deepEqual(edits.onDrift('ns/c|ConfigMap/y', at(1)), { restore: true, escalated: false });
    assert.deepEqual(edits.onDrift('ns/c|ConfigMap/x', at(1)), { restore: false, retryInMs: 4_999 });
  });

  test('forget ends the fights of one cluster only', () => {
    const edits = new ExternalEdits();
    edits.onDrift('ns/c|ConfigMap/x', at(0));
    edits.onDrift('ns/d|ConfigMap/x', at(0));
    edits.forget('ns/c|');
    assert.deepEqual(edits.onDrift('ns/c|ConfigMap/x', at(1)), { restore: true, escalated: false });
    assert.deepEqual(edits.onDrift('ns/d|ConfigMap/x', at(1)), { restore: false, retryInMs: 4_999 });
  });
});
