// What a pass ended in, as a table: problems that retrying may fix fail (and are retried with
// backoff), terminal ones block, requests to look again are merged to the soonest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify, DONE, toReconcileResult, type PassOutcome } from '../../../src/controller/outcome.js';
import type { Problem } from '../../../src/controller/status.js';

const applyFailed: Problem = { reason: 'ApplyFailed', message: 'applying ConfigMap c failed: Forbidden' };
const deleteFailed: Problem = { reason: 'DeleteFailed', message: 'deleting Service s failed: Forbidden' };
const conflict: Problem = { reason: 'NameConflict', message: 'ConfigMap c already exists', terminal: true };
const invalid: Problem = { reason: 'InvalidSpec', message: 'spec.version: unknown', terminal: true };

describe('classify', () => {
  const cases: { name: string; problems: Problem[]; requeues: (number | undefined)[]; outcome: PassOutcome }[] = [
    { name: 'no problems, nothing to look at again: done', problems: [], requeues: [undefined, undefined], outcome: DONE },
    { name: 'no requests at all: done', problems: [], requeues: [], outcome: DONE },
    { name: 'requests to look again: the soonest', problems: [], requeues: [30_000, undefined, 1_000, 5_000], outcome: { kind: 'requeue', afterMs: 1_000 } },
    { name: 'a request of zero is one', problems: [], requeues: [0, 5_000], outcome: { kind: 'requeue', afterMs: 0 } },
    { name: 'terminal problems block', problems: [conflict, invalid], requeues: [], outcome: { kind: 'blocked', problems: [conflict, invalid] } },
    { name: 'blocked, looked at again at the soonest request', problems: [conflict], requeues: [30_000, 5_000], outcome: { kind: 'blocked', problems: [conflict], recheckAfterMs: 5_000 } },
    { name: 'a problem retrying may fix fails the pass, with only such problems', problems: [conflict, applyFailed, deleteFailed], requeues: [1_000], outcome: { kind: 'failed', problems: [applyFailed, deleteFailed] } },
  ];
  for (const { name, problems, requeues, outcome } of cases) {
    test(name, () => {
      assert.deepEqual(classify(problems, requeues), outcome);
    });
  }
});

describe('the work queue’s view', () => {
  const cases: { name: string; outcome: PassOutcome; result: object }[] = [
    { name: 'done: nothing queued', outcome: DONE, result: {} },
    { name: 'requeue: after the delay', outcome: { kind: 'requeue', afterMs: 250 }, result: { requeueAfterMs: 250 } },
    { name: 'blocked: the problems in words, never retried', outcome: { kind: 'blocked', problems: [conflict, invalid] }, result: { blocked: 'ConfigMap c already exists; spec.version: unknown' } },
    { name: 'blocked with a recheck', outcome: { kind: 'blocked', problems: [conflict], recheckAfterMs: 30_000 }, result: { blocked: 'ConfigMap c already exists', requeueAfterMs: 30_000 } },
  ];
  for (const { name, outcome, result } of cases) {
    test(name, () => {
      assert.deepEqual(toReconcileResult(outcome), result);
    });
  }

  test('failed: thrown with the problems in words, so the worker backs off', () => {
    assert.throws(() => toReconcileResult({ kind: 'failed', problems: [applyFailed, deleteFailed] }), {
      message: 'applying ConfigMap c failed: Forbidden; deleting Service s failed: Forbidden',
    });
  });
});
