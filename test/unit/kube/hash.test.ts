// The canonical form behind the applied-hash annotation and the status comparison.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { canonicalJson, contentHash, withAppliedHash, withMetadata } from '../../../src/kube/hash.js';

const cases: Array<{ name: string; value: unknown; canonical: unknown; json: string }> = [
  { name: 'scalars stay as they are', value: 'x', canonical: 'x', json: '"x"' },
  { name: 'null stays null', value: null, canonical: null, json: 'null' },
  { name: 'keys are sorted', value: { b: 1, a: 2 }, canonical: { a: 2, b: 1 }, json: '{"a":2,"b":1}' },
  { name: 'keys are sorted at every depth', value: { z: { y: 1, x: [{ d: 1, c: 2 }] } }, canonical: { z: { x: [{ c: 2, d: 1 }], y: 1 } }, json: '{"z":{"x":[{"c":2,"d":1}],"y":1}}' },
  { name: 'undefined fields are dropped', value: { a: undefined, b: { c: undefined, d: 0 } }, canonical: { b: { d: 0 } }, json: '{"b":{"d":0}}' },
  { name: 'undefined list elements become null, as in JSON', value: [undefined, 1], canonical: [null, 1], json: '[null,1]' },
  { name: 'list order is kept', value: [2, 1], canonical: [2, 1], json: '[2,1]' },
];

for (const { name, value, canonical, json } of cases) {
  test(`canonicalJson: ${name}`, () => {
    const result = canonicalJson(value);
    assert.deepEqual(result, canonical);
    assert.equal(JSON.stringify(result), json);
  });
}

test('contentHash is 16 hex digits of the canonical form', () => {
  assert.match(contentHash({ a: 1 }), /^[0-9a-f]{16}$/);
  assert.equal(contentHash({ b: [1], a: 'x' }), contentHash({ a: 'x', b: [1], c: undefined }));
  assert.notEqual(contentHash({ a: 1 }), contentHash({ a: '1' }));
});

test('withAppliedHash writes the hash into the annotation it is given, next to the others', () => {
  type ConfigMap = KubernetesObject & { data: Record<string, string> };
  const desired: ConfigMap = { kind: 'ConfigMap', metadata: { name: 'c', annotations: { keep: 'me' } }, data: { k: 'v' } };
  const hashOf = (object: ConfigMap) => withAppliedHash(object, 'example.com/hash').metadata?.annotations ?? {};
  const annotations = hashOf(desired);
  assert.equal(annotations.keep, 'me');
  assert.match(annotations['example.com/hash'] ?? '', /^[0-9a-f]{16}$/);
  assert.deepEqual(Object.keys(annotations), ['keep', 'example.com/hash']);
  assert.notEqual(hashOf({ ...desired, data: { k: 'w' } })['example.com/hash'], annotations['example.com/hash']);
});

test('withMetadata sets the given fields, keeps the rest, and leaves its input alone', () => {
  const object = { kind: 'Service', metadata: { name: 's', labels: { a: 'b' } }, spec: { ports: [] } };
  const changed = withMetadata(object, { uid: 'u-1' });
  assert.deepEqual(changed, { kind: 'Service', metadata: { name: 's', labels: { a: 'b' }, uid: 'u-1' }, spec: { ports: [] } });
  assert.deepEqual(object.metadata, { name: 's', labels: { a: 'b' } });
  assert.deepEqual(withMetadata({ kind: 'X' }, { name: 'n' }), { kind: 'X', metadata: { name: 'n' } });
});

test('withAppliedHash stamps an object that has no metadata yet, and the stamp ignores a stale one', () => {
  const stamped = withAppliedHash<KubernetesObject>({ kind: 'ConfigMap' });
  const hash = stamped.metadata?.annotations?.['agent.atomix.io/applied-hash'] ?? '';
  assert.match(hash, /^[0-9a-f]{16}$/);
  const stale = withAppliedHash<KubernetesObject>({ kind: 'ConfigMap', metadata: { annotations: { 'agent.atomix.io/applied-hash': 'stale' } } });
  assert.deepEqual(stale.metadata?.annotations, { 'agent.atomix.io/applied-hash': contentHash({ kind: 'ConfigMap', metadata: { annotations: {} } }) });
});
