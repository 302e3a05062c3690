// The write probe through a member's Atomix REST API, against a recording fetch: what it
// sends, and that a failing or silent member makes the group "not writable" with the reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtomixRestProber, PROBE_MAP, readinessProber, type WriteProbeTarget } from '../../../src/controller/group-probe.js';
import type { MemberView } from '../../../src/controller/rollout.js';

/** A Ready member, Ready since `readySinceMs`. */
function member(name: string, ip: string | undefined, readySinceMs = 0): MemberView {
  return { name, ordinal: 0, revision: 'r', ready: true, terminating: false, unreadySinceMs: readySinceMs, state: '', pod: { metadata: { name }, status: ip ? { podIP: ip } : {} } };
}

const target = (through: MemberView[], protocol: 'multi-raft' | 'none' = 'multi-raft'): WriteProbeTarget => ({
  group: 'raft',
  probe: { atomixGroup: 'raft', protocol: protocol === 'none' ? undefined : protocol, partitions: 2 },
  replicas: 3,
  readyMembers: through.length,
  through,
});

/** A fetch that answers `status` for every request to `failing` IPs and 200 otherwise, recording each request. */
function recordingFetch(failing: readonly string[] = []) {
  const requests: string[] = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const { hostname, pathname } = new URL(String(url));
    requests.push(`${init?.method ?? 'GET'} ${hostname}${pathname} ${typeof init?.body === 'string' ? init.body : ''}`);
    if (failing.includes(hostname)) return new Response('io.atomix.primitive.PrimitiveException$Timeout', { status: 500 });
    return new Response('', { status: 200 });
  }) as typeof globalThis.fetch;
  return { requests, fetch };
}

describe('the Atomix REST write probe', () => {
  test('creates the probe map in the group on the member, then writes four keys per partition', async () => {
    const { requests, fetch } = recordingFetch();
    const result = await new AtomixRestProber({ fetch }).probe(target([member('c-raft-0', '10.0.0.5')]));
    assert.deepEqual(result, { writable: true });
    assert.equal(requests[0], `POST 10.0.0.5/v1/atomic-map/${PROBE_MAP} {"protocol":{"type":"multi-raft","group":"raft"}}`);
    assert.deepEqual(requests.slice(1).map((r) => r.split(' ').slice(0, 2).join(' ')), Array.from({ length: 8 }, (_, key) => `PUT 10.0.0.5/v1/atomic-map/${PROBE_MAP}/${String(key)}`));
  });

  test('a failing member is not the group: the next one is tried', async () => {
    const { requests, fetch } = recordingFetch(['10.0.0.5']);
    const result = await new AtomixRestProber({ fetch }).probe(target([member('c-raft-0', '10.0.0.5'), member('c-raft-1', '10.0.0.6')]));
    assert.deepEqual(result, { writable: true });
    assert.ok(requests.some((r) => r.startsWith('POST 10.0.0.6/')));
  });

  test('the member Ready the longest is written through first, not one just back (still registering its Raft servers)', async () => {
    const { requests, fetch } = recordingFetch();
    const justBack = member('c-raft-2', '10.0.0.7', 9_000);
    await new AtomixRestProber({ fetch }).probe(target([justBack, member('c-raft-0', '10.0.0.5', 2_000), member('c-raft-1', '10.0.0.6', 1_000)]));
    assert.deepEqual([...new Set(requests.map((r) => r.split(' ')[1]?.split('/')[0]))], ['10.0.0.6']);
  });

  test('writes failing through every member tried: not writable, with the reason', async () => {
    const { fetch } = recordingFetch(['10.0.0.5', '10.0.0.6']);
    const result = await new AtomixRestProber({ fetch }).probe(target([member('c-raft-0', '10.0.0.5'), member('c-raft-1', '10.0.0.6')]));
    assert.ok(!result.writable);
    assert.match(result.reason, /^a write through c-raft-1 failed: POST \/v1\/atomic-map\/atomix-operator-write-probe: HTTP 500 .*Timeout/);
  });

  test('a write that does not answer in time is a failure', async () => {
    // A request that never answers (its timer stands for the open socket that keeps a real one going).
    const silent = ((_url: string | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        const socket = setTimeout(() => reject(new Error('never')), 60_000);
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(socket);
          reject(new Error('aborted'));
        });
      })) as typeof globalThis.fetch;
    const result = await new AtomixRestProber({ fetch: silent, timeoutMs: 50 }).probe(target([member('c-raft-0', '10.0.0.5')]));
    assert.deepEqual(result, { writable: false, reason: 'a write through c-raft-0 failed: aborted' });
  });

  test('no member with a pod IP: not writable', async () => {
    const result = await new AtomixRestProber({ fetch: recordingFetch().fetch }).probe(target([member('c-raft-0', undefined)]));
    assert.equal(result.writable, false);
  });

  test('a log group has no REST primitive: judged by readiness, as simulated pods are', async () => {
    const { requests, fetch } = recordingFetch();
    assert.deepEqual(await new AtomixRestProber({ fetch }).probe(target([member('a', '10.0.0.5'), member('b', '10.0.0.6')], 'none')), { writable: true });
    assert.deepEqual(requests, []);
    const one = await readinessProber.probe(target([member('a', '10.0.0.5')]));
    assert.deepEqual(one, { writable: false, reason: '1 of 3 members Ready (simulated pods run no Atomix: judged by readiness)' });
  });
});
