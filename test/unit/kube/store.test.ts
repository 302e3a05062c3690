import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore, byLabel, objectKey } from '../../../src/kube/store.js';

const object = (namespace: string | undefined, name: string, labels: Record<string, string> = {}) => ({
  metadata: { namespace, name, labels },
});

test('keys are namespace/name, or the name alone for cluster-scoped objects', () => {
  assert.equal(objectKey(object('ns', 'a')), 'ns/a');
  assert.equal(objectKey(object(undefined, 'node-1')), 'node-1');
});

test('upsert returns the previous object and moves it between namespace and label indexes', () => {
  const store = new ObjectStore({ tier: byLabel('tier') });
  assert.equal(store.upsert(object('ns', 'a', { tier: 'data' })), undefined);
  store.upsert(object(undefined, 'cluster-wide'));
  const previous = store.upsert(object('ns', 'a', { tier: 'mgmt' }));
  assert.deepEqual(previous?.metadata?.labels, { tier: 'data' });
  assert.deepEqual(store.byIndex('tier', 'data'), []);
  assert.equal(store.byIndex('tier', 'mgmt').length, 1);
  assert.deepEqual(store.keys('ns'), ['ns/a']);
  assert.deepEqual(store.list('').map((o) => o.metadata?.name), ['cluster-wide']);
  assert.equal(store.get('ns', 'a'), store.getByKey('ns/a'));
  assert.equal(store.remove('ns/a')?.metadata?.name, 'a');
  assert.equal(store.remove('ns/a'), undefined);
  assert.deepEqual(store.list('ns'), []);
  assert.equal(store.size, 1);
});
