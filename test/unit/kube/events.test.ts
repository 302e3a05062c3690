import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawRequest } from '../../../src/kube/transport.js';
import { ManualClock } from '../../../src/kube/clock.js';
import { EventRecorder, type EventDetails } from '../../../src/kube/events.js';

const cluster = { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', metadata: { name: 'demo', namespace: 'ns', uid: 'u-1' } };
const created: EventDetails = { type: 'Normal', reason: 'Created', action: 'Apply', note: 'created StatefulSet demo-data' };

function setup(options: { failures?: number; dedupeWindowMs?: number; maxTracked?: number } = {}) {
  const clock = new ManualClock(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
  const requests: RawRequest[] = [];
  const errors: unknown[] = [];
  let failuresLeft = options.failures ?? 0;
  const client = {
    request: <T>(request: RawRequest): Promise<T> => {
      requests.push(request);
      if (failuresLeft-- > 0) return Promise.reject(new Error('forbidden'));
      return Promise.resolve({} as T);
    },
  };
  const recorder = new EventRecorder({
    client,
    reportingController: 'agent.atomix.io/atomix-operator',
    reportingInstance: 'operator-0',
    clock,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { clock, requests, errors, recorder };
}

test('writes an events.k8s.io/v1 Event about the object', async () => {
  const { requests, recorder } = setup();
  assert.equal(recorder.record(cluster, created), true);
  await recorder.flush();
  assert.equal(requests.length, 1);
  const request = requests[0];
  assert.equal(request?.method, 'POST');
  assert.equal(request.path, '/apis/events.k8s.io/v1/namespaces/ns/events');
  const body = request.body as Record<string, string> & { metadata: { name: string } };
  assert.match(body.metadata.name, /^demo\.[0-9a-f]+$/);
  assert.equal(body.eventTime, '2025-01-02T03:04:05.678000Z');
  assert.deepEqual(
    { type: body.type, reason: body.reason, action: body.action, note: body.note, controller: body.reportingController, instance: body.reportingInstance },
    { type: 'Normal', reason: 'Created', action: 'Apply', note: 'created StatefulSet demo-data', controller: 'agent.atomix.io/atomix-operator', instance: 'operator-0' },
  );
  assert.deepEqual(body.regarding, { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', namespace: 'ns', name: 'demo', uid: 'u-1' });
});

test('identical events within the window are dropped; after the window they are written again', async () => {
  const { clock, requests, recorder } = setup({ dedupeWindowMs: 60_000 });
  recorder.record(cluster, created);
  await clock.advance(59_999);
  assert.equal(recorder.record(cluster, created), false);
  assert.equal(recorder.record(cluster, { ...created, note: 'created StatefulSet demo-other' }), true, 'a different note is a different event');
  assert.equal(recorder.record(cluster, { ...created, type: 'Warning' }), true);
  await clock.advance(1);
  assert.equal(recorder.record(cluster, created), true);
  await recorder.flush();
  assert.equal(requests.length, 4);
  const names = new Set(requests.map((request) => (request.body as { metadata: { name: string } }).metadata.name));
  assert.equal(names.size, 4, 'event names are unique');
});

test('a failed write is reported and does not suppress the next attempt', async () => {
  const { requests, errors, recorder } = setup({ failures: 1 });
  recorder.record(cluster, created);
  await recorder.flush();
  assert.equal(errors.length, 1);
  assert.equal(recorder.record(cluster, created), true);
  await recorder.flush();
  assert.equal(requests.length, 2);
});

test('the remembered set is bounded, forgetting the oldest first', async () => {
  const { recorder } = setup({ maxTracked: 2 });
  const note = (n: number) => ({ ...created, note: `event ${n}` });
  recorder.record(cluster, note(1));
  recorder.record(cluster, note(2));
  recorder.record(cluster, note(3));
  assert.equal(recorder.record(cluster, note(3)), false);
  assert.equal(recorder.record(cluster, note(1)), true, 'the oldest was forgotten');
  await recorder.flush();
});

test('long notes are truncated to 1 kB and cluster-scoped objects report into default', async () => {
  const { requests, recorder } = setup();
  recorder.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, { ...created, note: 'é'.repeat(2000) });
  await recorder.flush();
  const body = requests[0]?.body as { note: string; metadata: { namespace: string } };
  assert.ok(Buffer.byteLength(body.note) <= 1024);
  assert.ok(body.note.endsWith('...'));
  assert.equal(body.metadata.namespace, 'default');
  assert.equal(requests[0]?.path, '/apis/events.k8s.io/v1/namespaces/default/events');
});

test('similar events are aggregated like client-go: ten, then one combined event, then none until the window ends', async () => {
  const { clock, requests, recorder } = setup({ dedupeWindowMs: 60_000 });
  const failed = (n: number): EventDetails => ({ type: 'Warning', reason: 'ApplyFailed', action: 'Reconcile', note: `attempt ${n} refused` });
  const written = Array.from({ length: 30 }, (_, n) => recorder.record(cluster, failed(n)));
  assert.deepEqual(written, [...Array<boolean>(11).fill(true), ...Array<boolean>(19).fill(false)]);
  await recorder.flush();
  assert.equal((requests[10]?.body as { note: string }).note, '(combined from similar events): attempt 10 refused');
  assert.equal(recorder.record(cluster, { ...created, note: 'another reason is not similar' }), true);
  await clock.advance(10 * 60_000);
  assert.equal(recorder.record(cluster, failed(99)), true, 'a new window');
});

test('each object has a spam bucket of 25 events, refilled one every five minutes', async () => {
  const { clock, recorder } = setup();
  const written = Array.from({ length: 40 }, (_, n) => recorder.record(cluster, { ...created, reason: `Reason${n}` }));
  assert.equal(written.filter(Boolean).length, 25);
  const other = { ...cluster, metadata: { ...cluster.metadata, uid: 'u-2' } };
  assert.equal(recorder.record(other, created), true, 'another object has its own bucket');
  await clock.advance(5 * 60_000);
  assert.equal(recorder.record(cluster, { ...created, reason: 'Later' }), true);
  assert.equal(recorder.record(cluster, { ...created, reason: 'TooSoon' }), false);
});
