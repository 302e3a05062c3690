import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, quantitiesEqual } from '../../../src/kube/quantity.js';

const equal: Array<[string | number, string | number]> = [
  ['1Gi', '1024Mi'],
  ['1Gi', 1073741824],
  ['0.5', '500m'],
  ['.5', '500m'],
  ['1', 1],
  ['2', '2000m'],
  ['1k', '1000'],
  ['1e3', '1k'],
  ['1E3', '1000'],
  ['1.5Gi', '1536Mi'],
  ['100m', '0.1'],
  ['1M', '1000k'],
  ['1000n', '1u'],
  ['+1', '1'],
  ['0', '0Gi'],
  ['1Ki', '1024'],
  ['1E', '1000P'],
];
const different: Array<[string | number, string | number]> = [
  ['1Gi', '1G'],
  ['1m', '1M'],
  ['0.5', '5'],
  ['1', '-1'],
  ['1Gi', 'abc'],
  ['abc', 'abc'],
  ['1Gi', ''],
];

test('equal quantities compare equal', () => {
  for (const [a, b] of equal) assert.ok(quantitiesEqual(a, b), `${a} == ${b}`);
});

test('different or unparsable quantities do not compare equal', () => {
  for (const [a, b] of different) assert.ok(!quantitiesEqual(a, b), `${a} != ${b}`);
});

test('unrealistic exponents and malformed input are not quantities', () => {
  for (const input of ['1e1000000', '1.2.3', '1Gib', 'Gi', '1 Gi', '--1', '1e']) {
    assert.equal(parseQuantity(input), undefined, input);
  }
});
