import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Event } from '@kubernetes/client-node';
import { podCreationProblems } from '../../../src/controller/pod-creation.js';
import type { ObservedStatefulSet } from '../../../src/controller/status.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const plan = planCluster(exampleCluster());
const MANAGEMENT = 'example-atomixcluster-management';
const UID = 'sts-uid';
const FORBIDDEN = 'violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "atomix" must set securityContext.runAsNonRoot=true)';

const statefulSet = (created: number, wanted = 1): ObservedStatefulSet => ({ metadata: { uid: UID }, spec: { replicas: wanted }, status: { replicas: created } });
const event = (reason: 'FailedCreate' | 'SuccessfulCreate', at: string, pod = `${MANAGEMENT}-0`, uid = UID): CoreV1Event => ({
  metadata: { name: `${MANAGEMENT}.${reason}.${pod}`, namespace: 'default' },
  involvedObject: { kind: 'StatefulSet', name: MANAGEMENT, uid },
  reason,
  message: reason === 'FailedCreate'
    ? `Create Pod ${pod} in StatefulSet ${MANAGEMENT} failed error: pods "${pod}" is forbidden: ${FORBIDDEN}`
    : `Create Pod ${pod} in StatefulSet ${MANAGEMENT} successful`,
  lastTimestamp: new Date(at),
});

const problems = (observed: ObservedStatefulSet | undefined, events: CoreV1Event[]) =>
  podCreationProblems(plan, (name) => (name === MANAGEMENT ? observed : undefined), (name) => (name === MANAGEMENT ? events : []));

describe('StatefulSets that cannot create their pods', () => {
  test('a FailedCreate while pods are missing is a terminal PodCreateFailed in the API server\'s words, without the pod\'s name', () => {
    assert.deepEqual(problems(statefulSet(0), [event('FailedCreate', '2026-01-01T00:00:05Z')]), [
      { reason: 'PodCreateFailed', message: `StatefulSet ${MANAGEMENT} cannot create its pods: ${FORBIDDEN}`, terminal: true },
    ]);
  });

  test('the message is the same whichever pod failed last, and for events the recorder combined', () => {
    const combined = event('FailedCreate', '2026-01-01T00:00:09Z', `${MANAGEMENT}-1`);
    combined.message = `(combined from similar events): ${combined.message ?? ''}`;
    const messages = [event('FailedCreate', '2026-01-01T00:00:05Z', `${MANAGEMENT}-2`), combined].map((failure) => problems(statefulSet(0, 3), [failure])[0]?.message);
    assert.equal(new Set(messages).size, 1);
  });

  test('no problem once every pod exists, after a successful create, or for a failure of an earlier StatefulSet of that name', () => {
    assert.deepEqual(problems(statefulSet(1), [event('FailedCreate', '2026-01-01T00:00:05Z')]), []);
    assert.deepEqual(problems(statefulSet(0), [event('FailedCreate', '2026-01-01T00:00:05Z'), event('SuccessfulCreate', '2026-01-01T00:00:06Z')]), []);
    assert.deepEqual(problems(statefulSet(0), [event('FailedCreate', '2026-01-01T00:00:05Z', `${MANAGEMENT}-0`, 'old-uid')]), []);
    assert.deepEqual(problems(undefined, [event('FailedCreate', '2026-01-01T00:00:05Z')]), []);
  });

  test('a failure after a success, or in the same second (pods still missing), counts', () => {
    assert.equal(problems(statefulSet(1, 3), [event('SuccessfulCreate', '2026-01-01T00:00:05Z'), event('FailedCreate', '2026-01-01T00:00:07Z', `${MANAGEMENT}-1`)]).length, 1);
    assert.equal(problems(statefulSet(1, 3), [event('FailedCreate', '2026-01-01T00:00:05Z', `${MANAGEMENT}-1`), event('SuccessfulCreate', '2026-01-01T00:00:05Z')]).length, 1);
  });

  test('events of the new events API count by their series\' last observation', () => {
    const failure = event('FailedCreate', '2026-01-01T00:00:01Z');
    failure.series = { count: 3, lastObservedTime: new Date('2026-01-01T00:00:09Z') };
    assert.equal(problems(statefulSet(0), [event('SuccessfulCreate', '2026-01-01T00:00:05Z'), failure]).length, 1);
  });
});
