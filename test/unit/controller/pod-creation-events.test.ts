// The StatefulSet controller's Events in more shapes: which time orders them (series, lastTimestamp,
// eventTime, firstTimestamp, creation), how the refusal is cut out of its message, the index the
// operator's Event cache keeps by StatefulSet, and every StatefulSet of the plan looked at.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import { byStatefulSet, podCreationProblems, STATEFULSET_EVENTS_SELECTOR } from '../../../src/controller/pod-creation.js';
import type { ObservedStatefulSet } from '../../../src/controller/status.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const UID = 'sts-uid';
const missing: ObservedStatefulSet = { metadata: { uid: UID }, spec: { replicas: 3 }, status: { replicas: 1 } };

/** An Event about StatefulSet `name` with only the times given. */
function event(reason: 'FailedCreate' | 'SuccessfulCreate', times: Partial<Record<'series' | 'last' | 'eventTime' | 'first' | 'created', string>>, message = 'refused', name = 's'): CoreV1Event {
  const date = (at: string | undefined) => (at === undefined ? undefined : (at as unknown as Date));
  return {
    metadata: { name: `${name}.${reason}`, ...(times.created ? { creationTimestamp: date(times.created) } : {}) },
    involvedObject: { kind: 'StatefulSet', name, uid: UID },
    reason,
    message,
    ...(times.series ? { series: { count: 2, lastObservedTime: date(times.series) } } : {}),
    ...(times.last ? { lastTimestamp: date(times.last) } : {}),
    ...(times.eventTime ? { eventTime: date(times.eventTime) } : {}),
    ...(times.first ? { firstTimestamp: date(times.first) } : {}),
  };
}

/** A copy of `original` changed by `edit`. */
function changed(original: CoreV1Event, edit: (event: CoreV1Event) => void): CoreV1Event {
  const copy = structuredClone(original);
  edit(copy);
  return copy;
}

const plan = planCluster(exampleCluster());
const MANAGEMENT = 'example-atomixcluster-management';
const problemsOf = (events: CoreV1Event[], name = MANAGEMENT) =>
  podCreationProblems(plan, (statefulSet) => (statefulSet === name ? missing : undefined), (statefulSet) => (statefulSet === name ? events.map((e) => changed(e, (about) => void (about.involvedObject.name = name))) : []));

describe('which create came last', () => {
  const T1 = '2026-01-01T00:00:01Z';
  const T2 = '2026-01-01T00:00:02Z';
  const cases: { name: string; failure: Parameters<typeof event>[1]; success: Parameters<typeof event>[1]; failed: boolean }[] = [
    { name: 'the series’ last observation before lastTimestamp', failure: { series: T2, last: T1 }, success: { last: T1 }, failed: true },
    { name: 'lastTimestamp', failure: { last: T2 }, success: { last: T1 }, failed: true },
    { name: 'lastTimestamp, a success after', failure: { last: T1 }, success: { last: T2 }, failed: false },
    { name: 'lastTimestamp before eventTime', failure: { last: T2, eventTime: T1 }, success: { eventTime: T1 }, failed: true },
    { name: 'eventTime', failure: { eventTime: T2 }, success: { eventTime: T1 }, failed: true },
    { name: 'eventTime before firstTimestamp', failure: { eventTime: T1, first: T2 }, success: { first: T1, eventTime: T2 }, failed: false },
    { name: 'firstTimestamp', failure: { first: T2 }, success: { first: T1 }, failed: true },
    { name: 'firstTimestamp before the creation', failure: { first: T1, created: T2 }, success: { first: T2, created: T1 }, failed: false },
    { name: 'the creation', failure: { created: T2 }, success: { created: T1 }, failed: true },
    { name: 'the creation, a success after', failure: { created: T1 }, success: { created: T2 }, failed: false },
    { name: 'no time at all: the failure sorts last', failure: {}, success: {}, failed: true },
    { name: 'a failure without time before a success with one', failure: {}, success: { created: T1 }, failed: false },
  ];
  for (const { name, failure, success, failed } of cases) {
    test(name, () => {
      assert.equal(problemsOf([event('FailedCreate', failure), event('SuccessfulCreate', success)]).length, failed ? 1 : 0);
      assert.equal(problemsOf([event('SuccessfulCreate', success), event('FailedCreate', failure)]).length, failed ? 1 : 0, 'whatever order the cache lists them in');
    });
  }

  test('other reasons do not count', () => {
    assert.deepEqual(problemsOf([event('FailedCreate', { last: '2026-01-01T00:00:01Z' }), changed(event('SuccessfulCreate', { last: '2026-01-01T00:00:02Z' }), (e) => void (e.reason = 'SuccessfulDelete'))]).length, 1);
    assert.deepEqual(problemsOf([changed(event('FailedCreate', {}), (e) => void (e.reason = 'FailedDelete'))]), []);
  });
});

describe('the refusal in the message', () => {
  const cases: { name: string; message: string | undefined; refusal: string }[] = [
    { name: 'the framing and the pod’s name cut away', message: 'Create Pod s-0 in StatefulSet s failed error: pods "s-0" is forbidden: exceeded quota: compute', refusal: 'exceeded quota: compute' },
    { name: 'the singular pod', message: 'Create Pod s-0 in StatefulSet s failed error: pod "s-0" is forbidden: no', refusal: 'no' },
    { name: 'an error that is not a forbidden pod is kept whole', message: 'Create Pod s-0 in StatefulSet s failed error: Pod "s-0" is invalid: spec.x', refusal: 'Pod "s-0" is invalid: spec.x' },
    { name: 'a message in another framing is kept whole', message: 'create Pod s-0 failed: quota', refusal: 'create Pod s-0 failed: quota' },
    { name: 'combined events lose their prefix', message: '(combined from similar events): Create Pod s-1 in StatefulSet s failed error: pods "s-1" is forbidden: x', refusal: 'x' },
    { name: 'the prefix only at the start', message: 'quota (combined from similar events): x', refusal: 'quota (combined from similar events): x' },
    { name: 'multi-line errors are kept', message: 'Create Pod s-0 in StatefulSet s failed error: first\nsecond', refusal: 'first\nsecond' },
    { name: 'no message', message: undefined, refusal: '' },
  ];
  for (const { name, message, refusal } of cases) {
    test(name, () => {
      const failure = event('FailedCreate', {});
      if (message === undefined) delete failure.message;
      else failure.message = message;
      assert.deepEqual(problemsOf([failure]).map((p) => p.message), [`StatefulSet ${MANAGEMENT} cannot create its pods: ${refusal}`]);
    });
  }
});

describe('the StatefulSets looked at', () => {
  test('every group’s, the partition groups’ and the benchmark’s', () => {
    const bench = exampleCluster('atomixcluster_cr_bench.yaml');
    const benchPlan = planCluster(bench);
    const names = [benchPlan.management, ...benchPlan.partitions, ...(benchPlan.benchmark ? [benchPlan.benchmark] : [])].flatMap((g) => g.statefulSets.map((s) => s.name));
    assert.ok(names.length > 2);
    const problems = podCreationProblems(benchPlan, () => missing, (name) => [changed(event('FailedCreate', {}), (e) => void (e.involvedObject.name = name))]);
    assert.deepEqual(problems.map((p) => p.message.split(' ')[1]), names);
  });

  test('one with all its pods is fine, as is one without a status or spec (nothing missing)', () => {
    const failure = [event('FailedCreate', {})];
    const lookup = (observed: ObservedStatefulSet) => podCreationProblems(plan, () => observed, () => failure);
    assert.deepEqual(lookup({ metadata: { uid: UID }, spec: { replicas: 3 }, status: { replicas: 3 } }), []);
    assert.deepEqual(lookup({ metadata: { uid: UID }, spec: { replicas: 3 }, status: { replicas: 4 } }), []);
    assert.deepEqual(lookup({ metadata: { uid: UID } }), []);
    assert.equal(lookup({ metadata: { uid: UID }, spec: { replicas: 1 } }).length, 2, 'no status: none created yet');
  });
});

describe('the Event cache', () => {
  test('holds only the StatefulSet controller’s Events about StatefulSets', () => {
    assert.equal(STATEFULSET_EVENTS_SELECTOR, 'involvedObject.kind=StatefulSet,source=statefulset-controller');
  });

  const cases: { name: string; event: CoreV1Event; key: string }[] = [
    { name: 'by the namespace of the StatefulSet', event: { metadata: { namespace: 'ev' }, involvedObject: { namespace: 'prod', name: 's' } }, key: 'prod/s' },
    { name: 'else the Event’s own', event: { metadata: { namespace: 'prod' }, involvedObject: { name: 's' } }, key: 'prod/s' },
    { name: 'else none', event: { metadata: {}, involvedObject: {} }, key: '/' },
  ];
  for (const { name, event: e, key } of cases) {
    test(`indexes ${name}`, () => {
      assert.deepEqual(byStatefulSet(e), [key]);
    });
  }
});
