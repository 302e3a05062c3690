import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { podPhase, podStatus, sameStatus, type ContainerReport, type PodReport } from '../../../src/local/node/pod-status.js';

const T0 = '2026-12-01T10:00:00Z';
const T1 = '2026-12-01T10:00:05Z';

function pod(restartPolicy = 'Always', status: Partial<V1PodStatus> = {}): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u' },
    spec: { restartPolicy, containers: [{ name: 'a', image: 'img' }] },
    status: { qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: T0 as unknown as Date }], ...status },
  };
}

function container(state: ContainerReport['state'], extra: Partial<ContainerReport> = {}): ContainerReport {
  return { name: 'a', image: 'img', imageID: 'img@1', state, restartCount: 0, started: 'running' in state, ready: false, ...extra };
}

const running = { running: { startedAt: T0 } };
const crashed = { terminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T1 } };
const completed = { terminated: { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T1 } };
const pulling = { waiting: { reason: 'ErrImagePull', message: 'cannot run it' } };

function report(containers: ContainerReport[]): PodReport {
  return { sandboxReady: true, hostIP: '127.0.0.1', podIP: '10.244.0.9', startTime: T0, containers };
}

test('phase follows the kubelet’s rules', () => {
  const backingOff = container({ waiting: { reason: 'CrashLoopBackOff' } }, { lastTerminated: crashed.terminated });
  const cases: Array<[string, ContainerReport, string]> = [
    ['Always', container(pulling), 'Pending'],
    ['Always', container(running), 'Running'],
    ['Always', backingOff, 'Running'],
    ['Always', container(crashed), 'Running'],
    ['OnFailure', container(completed), 'Succeeded'],
    ['OnFailure', container(crashed), 'Running'],
    ['Never', container(crashed), 'Failed'],
    ['Never', container(completed), 'Succeeded'],
  ];
  for (const [policy, state, phase] of cases) assert.equal(podPhase(pod(policy), [state]), phase, `${policy} ${JSON.stringify(state.state)}`);
});

test('an image the node cannot run leaves the pod Pending and not ready, with the reason in the container status', () => {
  const status = podStatus(pod(), report([container(pulling)]), T1);
  assert.equal(status.phase, 'Pending');
  assert.deepEqual(status.containerStatuses?.[0]?.state, pulling);
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready.reason, 'ContainersNotReady');
  assert.equal(ready.message, 'containers with unready status: [a]');
});

test('conditions keep their lastTransitionTime until their status flips; foreign ones are kept', () => {
  const first = podStatus(pod(), report([container(running, { started: true })]), T0);
  const same = podStatus(pod('Always', first), report([container(running, { started: true })]), T1);
  assert.ok(sameStatus(first, same), 'nothing changed, so nothing to write');
  const flipped = podStatus(pod('Always', first), report([container(running, { started: true, ready: true })]), T1);
  const ready = flipped.conditions?.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'True', lastTransitionTime: T1 });
  assert.equal(flipped.conditions?.find((c) => c.type === 'Initialized')?.lastTransitionTime, T0);
  assert.equal(flipped.conditions.find((c) => c.type === 'PodScheduled')?.status, 'True');
  assert.equal(flipped.qosClass, 'BestEffort');
  assert.equal(flipped.podIP, '10.244.0.9');
  assert.deepEqual(flipped.podIPs, [{ ip: '10.244.0.9' }]);
  assert.deepEqual(flipped.hostIPs, [{ ip: '127.0.0.1' }]);
  assert.equal(flipped.startTime, T0);
});

test('a restarted container reports its last termination and restart count', () => {
  const status = podStatus(pod(), report([container(running, { restartCount: 2, lastTerminated: crashed.terminated })]), T1);
  const [containerStatus] = status.containerStatuses ?? [];
  assert.equal(containerStatus?.restartCount, 2);
  assert.deepEqual(containerStatus.lastState, crashed);
});

test('a terminal phase sticks', () => {
  const status = podStatus(pod('Never', { phase: 'Failed' }), report([container(running)]), T1);
  assert.equal(status.phase, 'Failed');
  assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('statuses compare as the API server stores them: null and absent fields are alike', () => {
  const status = podStatus(pod(), report([container(running)]), T0);
  const readBack = JSON.parse(JSON.stringify(status)) as V1PodStatus;
  const [condition] = readBack.conditions ?? [];
  const [containerStatus] = readBack.containerStatuses ?? [];
  assert.ok(condition && containerStatus);
  Object.assign(condition, { lastProbeTime: null });
  readBack.nominatedNodeName = undefined;
  assert.ok(sameStatus(status, readBack));
  containerStatus.ready = true;
  assert.ok(!sameStatus(status, readBack));
});
