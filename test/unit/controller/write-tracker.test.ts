// The operator's own writes by resourceVersion: a cache still showing the version a write
// replaced is behind (the write is in flight) until the safety net of maxLagMs; any other
// version is news.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WriteTracker } from '../../../src/controller/write-tracker.js';

const MAX_LAG_MS = 30_000;
const at = (ms: number) => new Date(1_000_000 + ms);

describe('a write in flight', () => {
  const cases: { name: string; replaced: string | undefined; written: string | undefined; cached: string | undefined; afterMs: number; inFlight: boolean }[] = [
    { name: 'while the cache shows the version it replaced', replaced: '5', written: '6', cached: '5', afterMs: 0, inFlight: true },
    { name: 'until just before the lag limit', replaced: '5', written: '6', cached: '5', afterMs: MAX_LAG_MS - 1, inFlight: true },
    { name: 'not from the lag limit on', replaced: '5', written: '6', cached: '5', afterMs: MAX_LAG_MS, inFlight: false },
    { name: 'not once the cache shows the written version', replaced: '5', written: '6', cached: '6', afterMs: 0, inFlight: false },
    { name: 'not when the cache shows another version (someone changed it since)', replaced: '5', written: '6', cached: '7', afterMs: 0, inFlight: false },
    { name: 'a create, while the cache shows no object', replaced: undefined, written: '1', cached: undefined, afterMs: 0, inFlight: true },
    { name: 'a create, not once the cache shows one', replaced: undefined, written: '1', cached: '1', afterMs: 0, inFlight: false },
    { name: 'a delete, while the cache still shows the object', replaced: '5', written: undefined, cached: '5', afterMs: 0, inFlight: true },
    { name: 'not an apply that changed nothing (the version stayed)', replaced: '5', written: '5', cached: '5', afterMs: 0, inFlight: false },
  ];
  for (const { name, replaced, written, cached, afterMs, inFlight } of cases) {
    test(name, () => {
      const tracker = new WriteTracker(MAX_LAG_MS);
      tracker.record('ns/c|ConfigMap/x', replaced, written, at(0));
      assert.equal(tracker.inFlight('ns/c|ConfigMap/x', cached, at(afterMs)), inFlight);
    });
  }

  test('a write found arrived is forgotten: the old version seen later is news', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('k', '5', '6', at(0));
    assert.equal(tracker.inFlight('k', '6', at(1)), false);
    assert.equal(tracker.inFlight('k', '5', at(2)), false);
  });

  test('a write past the lag limit is forgotten', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('k', '5', '6', at(0));
    assert.equal(tracker.inFlight('k', '5', at(MAX_LAG_MS)), false);
    assert.equal(tracker.pendingFor('k', at(MAX_LAG_MS)), undefined);
  });

  test('an apply that changed nothing forgets an earlier write to the key', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('k', '4', '5', at(0));
    tracker.record('k', '5', '5', at(1));
    assert.equal(tracker.inFlight('k', '4', at(2)), false);
  });

  test('an unknown key is not in flight', () => {
    assert.equal(new WriteTracker(MAX_LAG_MS).inFlight('k', undefined, at(0)), false);
  });
});

describe('pendingFor', () => {
  test('the time until the oldest write under the prefix stops being trusted', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('ns/c|ConfigMap/a', '1', '2', at(0));
    tracker.record('ns/c|ConfigMap/b', '1', '2', at(10_000));
    tracker.record('ns/other|ConfigMap/a', '1', '2', at(-20_000));
    assert.equal(tracker.pendingFor('ns/c|', at(15_000)), 15_000);
    assert.equal(tracker.pendingFor('ns/c|', at(30_000)), 10_000, 'the first has expired: the second is the soonest');
    assert.equal(tracker.inFlight('ns/c|ConfigMap/a', '1', at(0)), false, 'and the expired one is forgotten');
    assert.equal(tracker.pendingFor('ns/c|', at(40_000)), undefined);
  });

  test('nothing pending under a prefix without writes', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('ns/c|ConfigMap/a', '1', '2', at(0));
    assert.equal(tracker.pendingFor('ns/d|', at(0)), undefined);
  });

  test('forget drops the writes under a prefix only', () => {
    const tracker = new WriteTracker(MAX_LAG_MS);
    tracker.record('ns/c|ConfigMap/a', '1', '2', at(0));
    tracker.record('ns/d|ConfigMap/a', '1', '2', at(0));
    tracker.forget('ns/c|');
    assert.equal(tracker.inFlight('ns/c|ConfigMap/a', '1', at(1)), false);
    assert.equal(tracker.inFlight('ns/d|ConfigMap/a', '1', at(1)), true);
  });
});
