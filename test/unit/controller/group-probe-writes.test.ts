// The write probe's numbers: keys per partition up to a cap, two members tried at most, the
// requests' methods and content types, how a failure reads; and the readiness verdict of
// simulated pods as a function of the group's size (a majority Ready takes writes).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtomixRestProber, readinessProber, type WriteProbeTarget } from '../../../src/controller/group-probe.js';
import type { MemberView } from '../../../src/controller/rollout.js';

const member = (name: string, ip: string | undefined, readySinceMs = 0): MemberView => ({
  name,
  ordinal: 0,
  revision: 'r',
  ready: true,
  terminating: false,
  unreadySinceMs: readySinceMs,
  state: '',
  pod: { metadata: { name }, status: ip ? { podIP: ip } : {} },
});

const target = (through: MemberView[], partitions = 2, replicas = 3, readyMembers = through.length): WriteProbeTarget => ({
  group: 'raft',
  probe: { atomixGroup: 'raft-group', protocol: 'multi-raft', partitions },
  replicas,
  readyMembers,
  through,
});

interface Sent {
  method: string;
  host: string;
  path: string;
  contentType: string;
  body: string;
}

/** A fetch that records each request and answers with `answer` (200 by default). */
function recording(answer: (sent: Sent) => Response | Promise<Response> = () => new Response('', { status: 200 })) {
  const sent: Sent[] = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const { hostname, pathname } = new URL(String(url));
    const request = {
      method: init?.method ?? 'GET',
      host: hostname,
      path: pathname,
      contentType: new Headers(init?.headers).get('content-type') ?? '',
      body: typeof init?.body === 'string' ? init.body : '',
    };
    sent.push(request);
    return answer(request);
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

describe('keys written per probe', () => {
  const cases: { partitions: number; keys: number }[] = [
    { partitions: 1, keys: 4 },
    { partitions: 3, keys: 12 },
    { partitions: 16, keys: 64 },
    { partitions: 17, keys: 64 },
    { partitions: 100, keys: 64 },
  ];
  for (const { partitions, keys } of cases) {
    test(`${String(partitions)} partitions: ${String(keys)} keys`, async () => {
      const { sent, fetch } = recording();
      await new AtomixRestProber({ fetch }).probe(target([member('m-0', '10.0.0.5')], partitions));
      const puts = sent.filter((request) => request.method === 'PUT');
      assert.deepEqual(puts.map((request) => request.path), Array.from({ length: keys }, (_, key) => `/v1/atomic-map/atomix-operator-write-probe/${String(key)}`));
    });
  }
});

describe('the requests', () => {
  test('the map is created as JSON, then each key is put as text: the time of the probe', async () => {
    const { sent, fetch } = recording();
    const before = Date.now();
    await new AtomixRestProber({ fetch }).probe(target([member('m-0', '10.0.0.5')], 1));
    const [create, ...puts] = sent;
    assert.deepEqual(create, { method: 'POST', host: '10.0.0.5', path: '/v1/atomic-map/atomix-operator-write-probe', contentType: 'application/json', body: '{"protocol":{"type":"multi-raft","group":"raft-group"}}' });
    assert.ok(puts.every((put) => put.contentType === 'text/plain' && Date.parse(put.body) >= before && Date.parse(put.body) <= Date.now()));
  });

  test('the port is the Atomix HTTP port', async () => {
    const urls: string[] = [];
    const fetch = (async (url: string | URL) => (urls.push(String(url)), new Response(''))) as typeof globalThis.fetch;
    await new AtomixRestProber({ fetch }).probe(target([member('m-0', '10.0.0.5')], 1));
    assert.ok(urls.every((url) => url.startsWith('http://10.0.0.5:5678/v1/atomic-map/')), urls[0]);
  });
});

describe('members tried', () => {
  test('two at most, the longest Ready first', async () => {
    const { sent, fetch } = recording(() => new Response('down', { status: 503 }));
    const result = await new AtomixRestProber({ fetch }).probe(target([member('m-2', '10.0.0.7', 300), member('m-0', '10.0.0.5', 100), member('m-1', '10.0.0.6', 200)]));
    assert.deepEqual([...new Set(sent.map((request) => request.host))], ['10.0.0.5', '10.0.0.6']);
    assert.deepEqual(result, { writable: false, reason: 'a write through m-1 failed: POST /v1/atomic-map/atomix-operator-write-probe: HTTP 503 down' });
  });

  test('members without a pod IP are passed over', async () => {
    const { sent, fetch } = recording();
    assert.deepEqual(await new AtomixRestProber({ fetch }).probe(target([member('m-0', undefined), member('m-1', '10.0.0.6', 5)])), { writable: true });
    assert.deepEqual([...new Set(sent.map((request) => request.host))], ['10.0.0.6']);
  });

  test('none with an IP: not writable, saying so', async () => {
    const { sent, fetch } = recording();
    assert.deepEqual(await new AtomixRestProber({ fetch }).probe(target([member('m-0', undefined)])), { writable: false, reason: 'no Ready member of raft with a pod IP to write through' });
    assert.deepEqual(sent, []);
  });

  test('a failed put fails the write through that member', async () => {
    const { fetch } = recording((request) => new Response(request.method === 'PUT' ? 'x'.repeat(300) : '', { status: request.method === 'PUT' ? 500 : 200 }));
    const result = await new AtomixRestProber({ fetch }).probe(target([member('m-0', '10.0.0.5')], 1));
    assert.ok(!result.writable);
    assert.match(result.reason, /^a write through m-0 failed: PUT \/v1\/atomic-map\/atomix-operator-write-probe\/\d: HTTP 500 x{200}$/, 'the answer cut at 200 characters');
  });

  test('a fetch that fails says why, whatever it throws', async () => {
    const fetch = (() => Promise.reject(new Error('connect ECONNREFUSED'))) as typeof globalThis.fetch;
    const refused = await new AtomixRestProber({ fetch }).probe(target([member('m-0', '10.0.0.5')]));
    assert.deepEqual(refused, { writable: false, reason: 'a write through m-0 failed: connect ECONNREFUSED' });
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a broken fetch may do
    const odd = (() => Promise.reject('socket hang up')) as typeof globalThis.fetch;
    assert.deepEqual(await new AtomixRestProber({ fetch: odd }).probe(target([member('m-0', '10.0.0.5')])), { writable: false, reason: 'a write through m-0 failed: socket hang up' });
  });
});

describe('judged by readiness (simulated pods, log groups)', () => {
  const cases: { replicas: number; ready: number; writable: boolean }[] = [
    { replicas: 1, ready: 1, writable: true },
    { replicas: 1, ready: 0, writable: false },
    { replicas: 2, ready: 1, writable: false },
    { replicas: 2, ready: 2, writable: true },
    { replicas: 3, ready: 1, writable: false },
    { replicas: 3, ready: 2, writable: true },
    { replicas: 4, ready: 2, writable: false },
    { replicas: 4, ready: 3, writable: true },
    { replicas: 5, ready: 3, writable: true },
  ];
  for (const { replicas, ready, writable } of cases) {
    test(`${String(ready)} of ${String(replicas)} Ready: ${writable ? 'writable' : 'not writable'}`, async () => {
      const verdict = await readinessProber.probe(target([], 1, replicas, ready));
      assert.deepEqual(verdict, writable ? { writable: true } : { writable: false, reason: `${String(ready)} of ${String(replicas)} members Ready (simulated pods run no Atomix: judged by readiness)` });
    });
  }

  test('a log group says why it is judged by readiness', async () => {
    const logGroup: WriteProbeTarget = { ...target([member('m-0', '10.0.0.5')], 1, 3, 1), probe: { atomixGroup: 'log', protocol: undefined, partitions: 1 } };
    const { sent, fetch } = recording();
    assert.deepEqual(await new AtomixRestProber({ fetch }).probe(logGroup), { writable: false, reason: '1 of 3 members Ready (no REST primitive writes to a log group: judged by readiness)' });
    assert.deepEqual(sent, []);
  });
});
