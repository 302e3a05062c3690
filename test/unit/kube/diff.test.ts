// needsApply on small objects, one leniency rule per case (apply.test.ts covers whole rendered objects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { needsApply, semanticallyEqual } from '../../../src/kube/diff.js';

type Obj = KubernetesObject & Record<string, unknown>;
const configMap = (fields: Record<string, unknown>): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, ...fields });
const pod = (resources: unknown, volumes: unknown[] = []): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', resources }], volumes },
});
const emptyDir = (sizeLimit: unknown) => [{ name: 'scratch', emptyDir: { sizeLimit } }];

const cases: Array<{ name: string; desired: Obj; live: Obj; expected: boolean }> = [
  { name: 'a desired 0 matches an absent field', desired: configMap({ spec: { n: 0 } }), live: configMap({ spec: {} }), expected: false },
  { name: "a desired '' matches an absent field", desired: configMap({ spec: { s: '' } }), live: configMap({ spec: {} }), expected: false },
  { name: 'a desired false matches a null field', desired: configMap({ spec: { b: false } }), live: configMap({ spec: { b: null } }), expected: false },
  { name: 'a desired null matches an absent field', desired: configMap({ spec: { n: null } }), live: configMap({ spec: {} }), expected: false },
  { name: 'a desired 1 does not match an absent field', desired: configMap({ spec: { n: 1 } }), live: configMap({ spec: {} }), expected: true },
  { name: "a desired 'x' does not match an absent field", desired: configMap({ spec: { s: 'x' } }), live: configMap({ spec: {} }), expected: true },
  { name: 'a desired non-empty list does not match an absent field', desired: configMap({ spec: { l: [0] } }), live: configMap({ spec: {} }), expected: true },
  { name: 'a desired non-empty map does not match an absent field', desired: configMap({ spec: { m: { a: 0 } } }), live: configMap({ spec: {} }), expected: true },
  { name: 'a desired 0 does not match a live 1', desired: configMap({ spec: { n: 0 } }), live: configMap({ spec: { n: 1 } }), expected: true },
  { name: 'a desired list does not match a live map', desired: configMap({ spec: { l: [1] } }), live: configMap({ spec: { l: { 0: 1 } } }), expected: true },
  { name: 'kind and apiVersion are not compared', desired: configMap({ data: { a: '1' } }), live: { ...configMap({ data: { a: '1' } }), apiVersion: 'v2', kind: 'Other' }, expected: false },
  { name: 'desired without metadata compares the rest', desired: { ...configMap({ data: { a: '1' } }), metadata: undefined }, live: configMap({ data: { a: '1' } }), expected: false },
  { name: 'desired without metadata still sees a changed field', desired: { ...configMap({ data: { a: '1' } }), metadata: undefined }, live: configMap({ data: { a: '2' } }), expected: true },
  { name: 'desired metadata against a live object without metadata', desired: configMap({}), live: { apiVersion: 'v1', kind: 'ConfigMap' }, expected: true },
  { name: 'a label outside any quantity field is a plain string', desired: configMap({ metadata: { name: 'c', labels: { requests: '1k' } } }), live: configMap({ metadata: { name: 'c', labels: { requests: '1000' } } }), expected: true },
  { name: 'request quantities compare by value', desired: pod({ requests: { memory: '1Gi' } }), live: pod({ requests: { memory: '1024Mi' } }), expected: false },
  { name: 'limit quantities compare by value, numbers too', desired: pod({ limits: { cpu: 2 } }), live: pod({ limits: { cpu: '2000m' } }), expected: false },
  { name: 'different request quantities differ', desired: pod({ requests: { memory: '1Gi' } }), live: pod({ requests: { memory: '1Mi' } }), expected: true },
  { name: 'equal unparsable quantities are equal', desired: pod({ requests: { memory: 'lots' } }), live: pod({ requests: { memory: 'lots' } }), expected: false },
  { name: 'a quantity against a non-scalar differs', desired: pod({ requests: { memory: '1Gi' } }), live: pod({ requests: { memory: { value: '1Gi' } } }), expected: true },
  { name: 'a non-scalar value in a quantity map compares field by field', desired: pod({ requests: { odd: { value: '1Gi' } } }), live: pod({ requests: { odd: { value: '1Gi' } } }), expected: false },
  { name: 'sizeLimit compares by value', desired: pod({}, emptyDir('1Gi')), live: pod({}, emptyDir('1024Mi')), expected: false },
  { name: 'different sizeLimits differ', desired: pod({}, emptyDir('1Gi')), live: pod({}, emptyDir('2Gi')), expected: true },
  { name: 'a quantity-looking value elsewhere in a volume is a plain string', desired: pod({}, [{ name: '1Gi', emptyDir: {} }]), live: pod({}, [{ name: '1024Mi', emptyDir: {} }]), expected: true },
];

for (const { name, desired, live, expected } of cases) {
  test(`needsApply: ${name} → ${String(expected)}`, () => {
    assert.equal(needsApply(desired, live), expected);
  });
}

const equality: Array<{ name: string; a: unknown; b: unknown; expected: boolean }> = [
  { name: 'equal scalars', a: 'x', b: 'x', expected: true },
  { name: 'different scalars', a: 'x', b: 'y', expected: false },
  { name: 'a field only on the left', a: { a: 1, b: 2 }, b: { a: 1 }, expected: false },
  { name: 'a field only on the right', a: { a: 1 }, b: { a: 1, b: 2 }, expected: false },
  { name: 'an empty list against an absent one', a: { a: 1, b: [] }, b: { a: 1 }, expected: true },
  { name: 'lists of different lengths', a: { l: [1] }, b: { l: [1, 2] }, expected: false },
];

for (const { name, a, b, expected } of equality) {
  test(`semanticallyEqual: ${name} → ${String(expected)}`, () => {
    assert.equal(semanticallyEqual(a, b), expected);
    assert.equal(semanticallyEqual(b, a), expected, 'symmetric');
  });
}

const serverMetadata = { resourceVersion: '9', uid: 'u-9', generation: 9, creationTimestamp: '2020-01-01T00:00:00Z', deletionTimestamp: '2020-01-02T00:00:00Z', deletionGracePeriodSeconds: 9, managedFields: [{ manager: 'x' }], selfLink: '/x' };
for (const [field, value] of Object.entries(serverMetadata)) {
  test(`needsApply: metadata.${field} is the server's and not compared`, () => {
    const live = configMap({ data: { a: '1' } });
    assert.equal(needsApply({ ...live, metadata: { name: 'c', [field]: value } }, live), false);
  });
}

for (const map of ['requests', 'limits', 'capacity', 'allocatable', 'hard', 'overhead']) {
  test(`needsApply: values of a ${map} map compare as quantities`, () => {
    assert.equal(needsApply(configMap({ spec: { [map]: { memory: '1Gi' } } }), configMap({ spec: { [map]: { memory: '1024Mi' } } })), false);
    assert.equal(needsApply(configMap({ spec: { [map]: { memory: '1Gi' } } }), configMap({ spec: { [map]: { memory: '1Mi' } } })), true);
  });
}

test('needsApply: a field desired leaves undefined is not compared', () => {
  assert.equal(needsApply(configMap({ spec: { n: undefined } }), configMap({ spec: { n: 1 } })), false);
});

test('needsApply: a list differing in a later element differs', () => {
  assert.equal(needsApply(configMap({ spec: { l: ['a', 'b'] } }), configMap({ spec: { l: ['a', 'c'] } })), true);
});
