import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawRequest, RawRequester } from '../../../src/kube/transport.js';
import { ManualClock } from '../../../src/kube/clock.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { LeaderElector, type Lease, type LeadershipEnd } from '../../../src/kube/leader-election.js';

/** One Lease with resourceVersion checks, as the API server stores it. */
class FakeLeaseStore implements RawRequester {
  lease: Lease | undefined;
  failWrites = false;
  readonly requests: Array<{ method: string; holder?: string | undefined }> = [];
  private resourceVersion = 0;

  async request<T>(request: RawRequest): Promise<T> {
    const body = request.body as Lease | undefined;
    this.requests.push({ method: request.method, holder: body?.spec?.holderIdentity });
    if (request.method === 'GET') {
      if (!this.lease) throw new KubeApiError(404, 'not found', 'NotFound');
      return structuredClone(this.lease) as T;
    }
    if (this.failWrites) throw new KubeApiError(500, 'etcd unavailable');
    if (request.method === 'POST' && this.lease) throw new KubeApiError(409, 'exists', 'AlreadyExists');
    if (request.method === 'PUT' && body?.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
      throw new KubeApiError(409, 'conflict', 'Conflict');
    }
    this.lease = { ...body, metadata: { ...body?.metadata, resourceVersion: String(++this.resourceVersion) } };
    return structuredClone(this.lease) as T;
  }

  /** Another writer changes the lease behind the elector's back. */
  bump(): void {
    if (this.lease?.metadata) this.lease.metadata.resourceVersion = String(++this.resourceVersion);
  }

  writes(holder?: string): number {
    return this.requests.filter((request) => request.method !== 'GET' && (holder === undefined || request.holder === holder)).length;
  }
}

function elector(store: FakeLeaseStore, clock: ManualClock, identity: string, leaders: string[] = []) {
  return new LeaderElector({
    client: store,
    namespace: 'ns',
    name: 'atomix-operator',
    identity,
    clock,
    random: () => 0,
    onNewLeader: (leader) => leaders.push(leader),
  });
}

test('acquires a missing lease by creating it with client-go defaults', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const leaders: string[] = [];
  const a = elector(store, clock, 'a', leaders);
  assert.equal(await a.acquire(new AbortController().signal), true);
  assert.equal(a.isLeader(), true);
  assert.deepEqual(store.lease?.spec, {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: '2025-01-01T00:00:00.000000Z',
    renewTime: '2025-01-01T00:00:00.000000Z',
    leaseTransitions: 0,
  });
  assert.deepEqual(leaders, ['a']);
});

test('the leader renews every retry period with one write and no read', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  const a = elector(store, clock, 'a');
  const stop = new AbortController();
  await a.acquire(stop.signal);
  const holding = a.hold(stop.signal);
  const before = store.requests.length;
  await clock.advance(10_000);
  assert.deepEqual(store.requests.slice(before).map((request) => request.method), ['PUT', 'PUT', 'PUT', 'PUT', 'PUT']);
  stop.abort();
  assert.equal(await holding, 'released');
});

test('a candidate waits while the lease is held, and takes it at once when the leader releases it', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  const leadersSeenByB: string[] = [];
  const a = elector(store, clock, 'a');
  const b = elector(store, clock, 'b', leadersSeenByB);
  const stopA = new AbortController();
  await a.acquire(stopA.signal);
  const holdingA = a.hold(stopA.signal);
  let bLeads = false;
  const acquiringB = b.acquire(new AbortController().signal).then((acquired) => (bLeads = acquired));
  await clock.advance(60_000);
  assert.equal(bLeads, false, 'a renewed lease is never taken');
  assert.equal(store.writes('b'), 0);
  stopA.abort();
  assert.equal(await holdingA, 'released');
  assert.equal(store.lease?.spec?.holderIdentity, undefined);
  await clock.advance(2_000);
  await acquiringB;
  assert.equal(bLeads, true);
  assert.equal(store.lease?.spec?.holderIdentity, 'b');
  assert.equal(store.lease.spec.leaseTransitions, 1);
  assert.deepEqual(leadersSeenByB, ['a', 'b']);
});

test('a crashed leader (no release) is replaced only after the lease duration, measured on the candidate clock', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  await elector(store, clock, 'a').acquire(new AbortController().signal);
  const b = elector(store, clock, 'b');
  let acquiredAt: number | undefined;
  void b.acquire(new AbortController().signal).then(() => (acquiredAt = clock.now()));
  await clock.advance(14_000);
  assert.equal(acquiredAt, undefined);
  await clock.advance(4_000);
  assert.equal(acquiredAt, 16_000, 'first retry after 15 s of seeing no change');
});

test('a leader that cannot renew within the renew deadline steps down', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  const a = elector(store, clock, 'a');
  await a.acquire(new AbortController().signal);
  let end: LeadershipEnd | undefined;
  const holding = a.hold(new AbortController().signal).then((result) => (end = result));
  await clock.advance(4_000);
  store.failWrites = true;
  await clock.advance(9_999);
  assert.equal(end, undefined, 'still within the deadline after the last renewal at 4 s');
  await clock.advance(2_001);
  await holding;
  assert.equal(end, 'lost');
  assert.equal(a.isLeader(), false);
});

test('a conflicting write makes the leader re-read the lease, then renew', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  const a = elector(store, clock, 'a');
  const stop = new AbortController();
  await a.acquire(stop.signal);
  const holding = a.hold(stop.signal);
  store.bump();
  await clock.advance(2_000);
  await clock.advance(2_000);
  assert.deepEqual(store.requests.slice(-3).map((request) => request.method), ['PUT', 'GET', 'PUT']);
  assert.equal(a.isLeader(), true);
  stop.abort();
  await holding;
});

test('acquire returns false when aborted before getting the lease', async () => {
  const store = new FakeLeaseStore();
  const clock = new ManualClock();
  await elector(store, clock, 'a').acquire(new AbortController().signal);
  const stop = new AbortController();
  const acquiring = elector(store, clock, 'b').acquire(stop.signal);
  await clock.advance(1_000);
  stop.abort();
  assert.equal(await acquiring, false);
});

test('the renew deadline must be shorter than the lease', () => {
  assert.throws(
    () => new LeaderElector({ client: new FakeLeaseStore(), namespace: 'ns', name: 'l', identity: 'a', leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    /renew deadline/,
  );
});
