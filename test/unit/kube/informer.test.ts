import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ManualClock, settle } from '../../../src/kube/clock.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { Informer, type InformerOptions, type WatchEnd } from '../../../src/kube/informer.js';
import { resources } from '../../../src/kube/resources.js';
import { byControllerUid, byLabel } from '../../../src/kube/store.js';
import { FakeListWatch } from './fake-list-watch.js';

type Change = string;

/** Starts the informer and waits until its first watch is open. */
async function startSynced(informer: Informer): Promise<void> {
  informer.start();
  assert.equal(await informer.waitForSync(), true);
  await settle();
}

function setup(options: Partial<InformerOptions<KubernetesObject>> = {}) {
  const server = new FakeListWatch();
  const clock = new ManualClock();
  const changes: Change[] = [];
  const errors: unknown[] = [];
  const watchEnds: WatchEnd[] = [];
  const informer = new Informer({
    transport: server,
    resource: resources.configMaps,
    clock,
    random: () => 0,
    onError: (error) => errors.push(error),
    metrics: { relisted: () => {}, watchEnded: (reason) => watchEnds.push(reason) },
    ...options,
  });
  const describe = (object: KubernetesObject) =>
    `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}@${object.metadata?.resourceVersion ?? ''}`;
  informer.addHandler({
    onAdd: (object) => changes.push(`add ${describe(object)}`),
    onUpdate: (previous, current) => changes.push(`update ${describe(previous)} -> ${current.metadata?.resourceVersion ?? ''}`),
    onDelete: (object) => changes.push(`delete ${describe(object)}`),
  });
  const takeChanges = () => changes.splice(0);
  return { server, clock, informer, takeChanges, errors, watchEnds };
}

test('lists, caches without managedFields, fills apiVersion/kind, then watches from the list resourceVersion', async () => {
  const { server, informer, takeChanges } = setup();
  server.put('ns', 'a', { data: { k: 'v' } });
  server.put('ns', 'b');
  assert.equal(informer.hasSynced(), false);
  informer.start();
  assert.equal(await informer.waitForSync(), true);
  await settle();
  assert.deepEqual(takeChanges(), ['add ns/a@101', 'add ns/b@102']);
  const cached = informer.store.get('ns', 'a');
  assert.equal(cached?.metadata?.managedFields, undefined);
  assert.equal(cached?.apiVersion, 'v1');
  assert.equal(cached.kind, 'ConfigMap');
  assert.deepEqual((cached as { data?: unknown }).data, { k: 'v' });
  assert.deepEqual(server.watchCalls[0], {
    path: '/api/v1/configmaps',
    query: { watch: true, resourceVersion: '102', allowWatchBookmarks: true, timeoutSeconds: 7, labelSelector: undefined, fieldSelector: undefined },
  });
  await informer.stop();
});

test('watch events become add, update and delete; the delete carries the final state', async () => {
  const { server, informer, takeChanges } = setup();
  await startSynced(informer);
  server.put('ns', 'a');
  server.put('ns', 'a', { data: { x: '1' } });
  server.remove('ns', 'a');
  assert.deepEqual(takeChanges(), ['add ns/a@101', 'update ns/a@101 -> 102', 'delete ns/a@103']);
  assert.equal(informer.store.size, 0);
  await informer.stop();
});

test('a watch the server ends normally is resumed from the last resourceVersion without a relist', async () => {
  const { server, clock, informer, takeChanges } = setup();
  await startSynced(informer);
  server.put('ns', 'a');
  await clock.advance(7000);
  server.closeWatches();
  server.put('ns', 'b');
  await settle();
  assert.equal(server.listCalls.length, 1);
  assert.equal(server.watchCalls.length, 2);
  assert.equal(server.watchCalls[1]?.query.resourceVersion, '101');
  assert.deepEqual(takeChanges(), ['add ns/a@101', 'add ns/b@102'], 'the change made between watches arrives');
  assert.equal(informer.stats().relists, 1);
  await informer.stop();
});

test('bookmarks advance the resourceVersion the next watch resumes from', async () => {
  const { server, clock, informer, takeChanges } = setup({ namespaces: ['ns'] });
  await startSynced(informer);
  server.put('elsewhere', 'invisible-to-this-watch');
  server.bookmark();
  await clock.advance(7000);
  server.closeWatches();
  await settle();
  assert.equal(server.watchCalls.at(-1)?.query.resourceVersion, '101');
  assert.deepEqual(takeChanges(), []);
  await informer.stop();
});

test('a silent watch is replaced at the client deadline (under 10 s) and resumes without losing updates', async () => {
  const { server, clock, informer, takeChanges, watchEnds } = setup();
  server.put('ns', 'a');
  await startSynced(informer);
  takeChanges();
  server.silent = true;
  server.put('ns', 'a', { data: { v: '2' } });
  server.put('ns', 'b');
  await clock.advance(8999);
  assert.deepEqual(takeChanges(), [], 'nothing arrives on the hung watch');
  server.silent = false;
  await clock.advance(1);
  assert.deepEqual(watchEnds, ['deadline']);
  assert.equal(server.watchCalls.length, 2);
  assert.equal(server.watchCalls[1]?.query.resourceVersion, '101');
  assert.deepEqual(takeChanges(), ['update ns/a@101 -> 102', 'add ns/b@103']);
  assert.equal(informer.stats().watchDeadlines, 1);
  assert.equal(informer.stats().relists, 1, 'no relist needed');
  await informer.stop();
});

test('410 Gone leads to a relist whose diff delivers adds, updates and deletes made during the gap', async () => {
  const { server, clock, informer, takeChanges, watchEnds } = setup();
  server.put('ns', 'kept');
  server.put('ns', 'changed');
  server.put('ns', 'deleted');
  await startSynced(informer);
  takeChanges();
  server.silent = true;
  server.put('ns', 'changed', { data: { v: '2' } });
  server.remove('ns', 'deleted');
  server.put('ns', 'created');
  server.compact();
  server.silent = false;
  await clock.advance(9000);
  assert.deepEqual(watchEnds.slice(0, 2), ['deadline', 'expired']);
  assert.equal(informer.stats().relists, 2);
  assert.deepEqual(takeChanges().sort(), [
    'add ns/created@106',
    'delete ns/deleted@103',
    'update ns/changed@102 -> 104',
  ]);
  assert.deepEqual(informer.store.keys().sort(), ['ns/changed', 'ns/created', 'ns/kept']);
  assert.equal(server.watchCalls.at(-1)?.query.resourceVersion, '106');
  await informer.stop();
});

test('410 from a watch that delivered nothing is retried after a backoff, not in a hot loop', async () => {
  const { server, clock, informer } = setup();
  await startSynced(informer);
  const tooOld = new KubeApiError(410, 'too old', 'Expired');
  server.breakWatches(tooOld);
  await settle();
  assert.equal(server.listCalls.length, 1, 'waits before relisting');
  await clock.advance(1000);
  assert.equal(server.listCalls.length, 2);
  await informer.stop();
});

test('errors relist with exponential backoff 1 s, 2 s, 4 s… capped at 30 s; a healthy watch resets it', async () => {
  const { server, clock, informer, errors } = setup();
  await startSynced(informer);
  server.listFailures.push(...Array.from({ length: 7 }, () => new Error('apiserver down')));
  server.breakWatches();
  const listTimes: number[] = [];
  for (let elapsed = 0; elapsed < 130_000; elapsed += 500) {
    const before = server.listCalls.length;
    await clock.advance(500);
    if (server.listCalls.length > before) listTimes.push(clock.now());
  }
  assert.deepEqual(listTimes, [1000, 3000, 7000, 15000, 31000, 61000, 91000, 121000]);
  assert.equal(errors.length, 8, 'the broken watch and seven failed lists');
  assert.equal(informer.stats().failures, 8);
  assert.equal(server.listCalls.length, 9);
  await clock.advance(7000);
  server.breakWatches();
  await clock.advance(999);
  assert.equal(server.listCalls.length, 9);
  await clock.advance(1);
  assert.equal(server.listCalls.length, 10, 'back to a 1 s delay after a healthy watch');
  await informer.stop();
});

test('jitter stretches the backoff by up to 20 %', async () => {
  const { server, clock, informer } = setup({ random: () => 0.999 });
  await startSynced(informer);
  server.breakWatches();
  await clock.advance(1100);
  assert.equal(server.listCalls.length, 1);
  await clock.advance(100);
  assert.equal(server.listCalls.length, 2);
  await informer.stop();
});

test('a list that never answers is abandoned after the page timeout and retried', async () => {
  const { server, clock, informer, errors } = setup();
  server.put('ns', 'a');
  server.hangLists = true;
  informer.start();
  await clock.advance(9_999);
  assert.equal(informer.hasSynced(), false);
  assert.equal(errors.length, 0);
  server.hangLists = false;
  await clock.advance(1);
  assert.match(String(errors[0]), /no answer from \/api\/v1\/configmaps within 10000 ms/);
  await clock.advance(1_000);
  assert.equal(informer.hasSynced(), true);
  assert.equal(informer.store.size, 1);
  await informer.stop();
});

test('a watch that closes at once without events counts as a failure (no hot loop)', async () => {
  const { server, clock, informer } = setup();
  await startSynced(informer);
  server.closeWatches();
  await settle();
  assert.equal(server.watchCalls.length, 1);
  await clock.advance(1000);
  assert.equal(server.listCalls.length, 2);
  assert.equal(server.watchCalls.length, 2);
  await informer.stop();
});

test('several namespaces share one cache; a relist of one namespace does not touch the others', async () => {
  const { server, clock, informer, takeChanges } = setup({ namespaces: ['a', 'b'] });
  server.put('a', 'one');
  server.put('b', 'two');
  server.put('c', 'ignored');
  await startSynced(informer);
  assert.deepEqual(informer.store.keys().sort(), ['a/one', 'b/two']);
  assert.deepEqual(server.listCalls.map((call) => call.path).sort(), ['/api/v1/namespaces/a/configmaps', '/api/v1/namespaces/b/configmaps']);
  takeChanges();
  server.breakWatches();
  await clock.advance(1000);
  assert.deepEqual(takeChanges(), []);
  assert.deepEqual(informer.store.list('b').map((object) => object.metadata?.name), ['two']);
  server.put('c', 'still-ignored');
  server.put('b', 'three');
  assert.deepEqual(takeChanges(), ['add b/three@105']);
  await informer.stop();
});

test('lists are paged and the selectors are passed to list and watch', async () => {
  const { server, informer } = setup({ pageSize: 2, labelSelector: 'app=atomix', fieldSelector: 'metadata.name!=x' });
  for (const name of ['a', 'b', 'c', 'd', 'e']) server.put('ns', name);
  await startSynced(informer);
  assert.equal(informer.store.size, 5);
  assert.deepEqual(server.listCalls.map((call) => call.query.continue), [undefined, '2', '4']);
  assert.ok(server.listCalls.every((call) => call.query.labelSelector === 'app=atomix' && call.query.limit === 2));
  assert.equal(server.watchCalls[0]?.query.labelSelector, 'app=atomix');
  assert.equal(server.watchCalls[0].query.fieldSelector, 'metadata.name!=x');
  await informer.stop();
});

test('indexes by controller owner and by label follow updates and deletes', async () => {
  const { server, informer } = setup({ indexers: { owner: byControllerUid, group: byLabel('group') } });
  const owned = (uid: string, group: string) => ({
    metadata: { labels: { group }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid, controller: true }] },
  });
  server.put('ns', 'a', owned('u1', 'data'));
  server.put('ns', 'b', owned('u1', 'mgmt'));
  server.put('ns', 'c', owned('u2', 'data'));
  await startSynced(informer);
  const names = (objects: KubernetesObject[]) => objects.map((object) => object.metadata?.name).sort();
  assert.deepEqual(names(informer.store.byIndex('owner', 'u1')), ['a', 'b']);
  assert.deepEqual(names(informer.store.byIndex('group', 'data')), ['a', 'c']);
  server.put('ns', 'a', owned('u2', 'mgmt'));
  server.remove('ns', 'c');
  assert.deepEqual(names(informer.store.byIndex('owner', 'u1')), ['b']);
  assert.deepEqual(names(informer.store.byIndex('owner', 'u2')), ['a']);
  assert.deepEqual(names(informer.store.byIndex('group', 'data')), []);
  assert.throws(() => informer.store.byIndex('missing', 'x'), /no index/);
  await informer.stop();
});

test('a throwing handler is reported and does not stop the informer', async () => {
  const { server, informer, errors, takeChanges } = setup();
  informer.addHandler({ onAdd: () => { throw new Error('handler bug'); } });
  await startSynced(informer);
  server.put('ns', 'a');
  server.put('ns', 'b');
  assert.equal(errors.length, 2);
  assert.deepEqual(takeChanges(), ['add ns/a@101', 'add ns/b@102']);
  await informer.stop();
});

test('a handler added after sync gets the cached objects replayed as adds', async () => {
  const { server, informer } = setup();
  server.put('ns', 'a');
  await startSynced(informer);
  const seen: string[] = [];
  const unsubscribe = informer.addHandler({ onAdd: (object) => seen.push(object.metadata?.name ?? '') });
  assert.deepEqual(seen, ['a']);
  unsubscribe();
  server.put('ns', 'b');
  assert.deepEqual(seen, ['a']);
  await informer.stop();
});

test('a transform runs on every cached object', async () => {
  const { server, informer } = setup({ transform: (object) => ({ ...object, data: undefined }) as KubernetesObject });
  server.put('ns', 'a', { data: { big: 'x'.repeat(1000) } });
  await startSynced(informer);
  assert.equal((informer.store.get('ns', 'a') as { data?: unknown }).data, undefined);
  await informer.stop();
});

test('stop ends the watch, resolves, and makes a pending waitForSync resolve false', async () => {
  const { server, informer } = setup();
  server.listFailures.push(new Error('down'));
  informer.start();
  const waiting = informer.waitForSync();
  await settle();
  await informer.stop();
  assert.equal(await waiting, false);
  assert.equal(server.openWatches, 0);
  assert.equal(await informer.waitForSync(), false);
});

test('waitForSync honours its own abort signal', async () => {
  const { server, informer } = setup();
  server.listFailures.push(new Error('down'));
  informer.start();
  const controller = new AbortController();
  const waiting = informer.waitForSync(controller.signal);
  controller.abort();
  assert.equal(await waiting, false);
  await informer.stop();
});
