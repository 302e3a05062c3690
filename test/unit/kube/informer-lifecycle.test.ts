// The informer's namespace scopes, idempotent start, sync waiting and stats (informer.test.ts covers list+watch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ManualClock, settle } from '../../../src/kube/clock.js';
import { Informer, type InformerOptions } from '../../../src/kube/informer.js';
import { resources } from '../../../src/kube/resources.js';
import { FakeListWatch } from './fake-list-watch.js';

function newInformer(options: Partial<InformerOptions<KubernetesObject>> = {}) {
  const server = new FakeListWatch();
  const informer = new Informer({ transport: server, resource: resources.configMaps, clock: new ManualClock(), random: () => 0, ...options });
  return { server, informer };
}

const scopes: Array<{ name: string; namespaces: string[] | undefined; paths: string[] }> = [
  { name: 'no namespaces: one cluster-wide list', namespaces: undefined, paths: ['/api/v1/configmaps'] },
  { name: 'an empty list: one cluster-wide list', namespaces: [], paths: ['/api/v1/configmaps'] },
  { name: 'a namespace named twice is listed once', namespaces: ['a', 'b', 'a'], paths: ['/api/v1/namespaces/a/configmaps', '/api/v1/namespaces/b/configmaps'] },
];

for (const { name, namespaces, paths } of scopes) {
  test(`informer scopes: ${name}`, async () => {
    const { server, informer } = newInformer(namespaces ? { namespaces } : {});
    informer.start();
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    await settle();
    assert.deepEqual(server.listCalls.map((call) => call.path).sort(), paths, 'start is idempotent too');
    await informer.stop();
  });
}

test('waitForSync: true at once when synced, false after stop or with an aborted signal', async () => {
  const { informer } = newInformer();
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(await informer.waitForSync(aborted.signal), false);
  informer.start();
  assert.equal(await informer.waitForSync(), true);
  assert.equal(await informer.waitForSync(aborted.signal), true, 'already synced wins');
  await settle();
  await informer.stop();
  const stopped = newInformer().informer;
  await stopped.stop();
  assert.equal(await stopped.waitForSync(), false);
});

test('stats are a snapshot, not the live counters', async () => {
  const { informer } = newInformer();
  const before = informer.stats();
  informer.start();
  await informer.waitForSync();
  await settle();
  assert.deepEqual(before, { relists: 0, watches: 0, watchDeadlines: 0, failures: 0 });
  assert.equal(informer.stats().relists, 1);
  await informer.stop();
});

test('an object that names its apiVersion and kind keeps them', async () => {
  const { server, informer } = newInformer();
  informer.start();
  await informer.waitForSync();
  await settle();
  server.put('ns', 'a', { apiVersion: 'example.com/v2', kind: 'Other' });
  await settle();
  const cached = informer.store.get('ns', 'a');
  assert.deepEqual([cached?.apiVersion, cached?.kind], ['example.com/v2', 'Other']);
  await informer.stop();
});

test('defaults: pages of 500; the watch timeout, page timeout and backoff are configurable', async () => {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const { server, informer } = newInformer({
    clock,
    watchTimeoutSeconds: 3,
    listPageTimeoutMs: 50,
    initialBackoffMs: 100,
    maxBackoffMs: 250,
    onError: (error) => errors.push(error),
  });
  server.hangLists = true;
  informer.start();
  await clock.advance(50);
  assert.match(String(errors[0]), /within 50 ms/);
  server.hangLists = false;
  server.listFailures.push(new Error('one'), new Error('two'));
  const listsAt = async (ms: number) => (await clock.advance(ms), server.listCalls.length);
  assert.deepEqual([await listsAt(99), await listsAt(1)], [1, 2], 'first retry after 100 ms');
  assert.deepEqual([await listsAt(199), await listsAt(1)], [2, 3], 'then 200 ms');
  assert.deepEqual([await listsAt(249), await listsAt(1)], [3, 4], 'then capped at 250 ms');
  assert.equal(await informer.waitForSync(), true);
  await settle();
  assert.equal(server.listCalls[0]?.query.limit, 500);
  assert.equal(server.watchCalls[0]?.query.timeoutSeconds, 3);
  await informer.stop();
});

test('metrics count each relist and name why each watch ended', async () => {
  const clock = new ManualClock();
  const seen: string[] = [];
  const { server, informer } = newInformer({ clock, metrics: { relisted: () => seen.push('relisted'), watchEnded: (reason) => seen.push(reason) } });
  informer.start();
  await informer.waitForSync();
  await settle();
  server.put('ns', 'a');
  server.breakWatches();
  await settle();
  await clock.advance(1_000);
  assert.deepEqual(seen, ['relisted', 'error', 'relisted']);
  assert.deepEqual(informer.stats(), { relists: 2, watches: 2, watchDeadlines: 0, failures: 1 });
  await informer.stop();
});

test('a handler may leave out any callback, and a throwing one without onError does not stop delivery', async () => {
  const errors: unknown[] = [];
  const { server, informer } = newInformer({ onError: (error) => errors.push(error) });
  informer.addHandler({});
  const quiet = newInformer();
  const seen: string[] = [];
  quiet.informer.addHandler({ onAdd: () => { throw new Error('handler bug'); } });
  quiet.informer.addHandler({ onAdd: (object) => seen.push(object.metadata?.name ?? '') });
  for (const { informer: started } of [{ informer }, quiet]) {
    started.start();
    await started.waitForSync();
  }
  await settle();
  for (const fake of [server, quiet.server]) {
    fake.put('ns', 'a');
    fake.put('ns', 'a', { data: { k: 'v' } });
    fake.remove('ns', 'a');
  }
  await settle();
  assert.deepEqual(errors, [], 'no callback was called that is not there');
  assert.deepEqual(seen, ['a']);
  await Promise.all([informer.stop(), quiet.informer.stop()]);
});

test('hasSynced waits for every namespace', async () => {
  const { server, informer } = newInformer({ namespaces: ['a', 'b'], onError: () => {} });
  server.listFailures.push(new Error('down'));
  informer.start();
  await settle();
  assert.equal(server.listCalls.length, 2);
  assert.equal(informer.hasSynced(), false, 'one of the two lists failed');
  await informer.stop();
});

for (const { openMs, healthy } of [
  { openMs: 3_499, healthy: false },
  { openMs: 3_500, healthy: true },
]) {
  test(`a watch closed without events after ${String(openMs)} ms of a 7 s timeout is ${healthy ? 'healthy: resumed at once' : 'a failure: relisted after backoff'}`, async () => {
    const clock = new ManualClock(50_000);
    const errors: unknown[] = [];
    const { server, informer } = newInformer({ clock, onError: (error) => errors.push(error) });
    informer.start();
    await informer.waitForSync();
    await settle();
    await clock.advance(openMs);
    server.closeWatches();
    await settle();
    assert.equal(errors.length, healthy ? 0 : 1);
    assert.deepEqual([server.listCalls.length, server.watchCalls.length], healthy ? [1, 2] : [1, 1]);
    await informer.stop();
  });
}
