import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareQuantities, parseQuantity, quantitiesEqual, quantitySign, type Quantity } from '../../../src/kube/quantity.js';

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
  // The API server rounds ResourceList values up to 1m: these are what it stores for the left side.
  ['0.0000000001', '1m'],
  ['1n', '1m'],
  ['1.0001', '1001m'],
  ['-0.0001', '-1m'],
  ['1e1000', '10e999'],
  ['1e101', '100e99'],
];
const different: Array<[string | number, string | number]> = [
  ['1Gi', '1G'],
  ['1m', '1M'],
  ['0.5', '5'],
  ['1', '-1'],
  ['1Gi', 'abc'],
  ['abc', 'abc'],
  ['1Gi', ''],
  ['1.001', '1.002'],
  ['1e1000', '1e999'],
];

test('equal quantities compare equal', () => {
  for (const [a, b] of equal) assert.ok(quantitiesEqual(a, b), `${a} == ${b}`);
});

test('different or unparsable quantities do not compare equal', () => {
  for (const [a, b] of different) assert.ok(!quantitiesEqual(a, b), `${a} != ${b}`);
});

test('exponents beyond 32 bits and malformed input are not quantities', () => {
  for (const input of ['1e99999999999', '1.2.3', '1Gib', 'Gi', '1 Gi', '--1', '1e']) {
    assert.equal(parseQuantity(input), undefined, input);
  }
});

test('huge and tiny exponents parse and order without materialising the value', () => {
  const q = (text: string): Quantity => {
    const parsed = parseQuantity(text);
    assert.ok(parsed, text);
    return parsed;
  };
  assert.equal(compareQuantities(q('1e2000000000'), q('1Ei')), 1);
  assert.equal(compareQuantities(q('1e-2000000000'), q('1n')), -1);
  assert.equal(compareQuantities(q('-1e2000000000'), q('-1')), -1);
  assert.equal(compareQuantities(q('1Ei'), q('1152921504606846976')), 0);
  assert.equal(compareQuantities(q('1500m'), q('1.5')), 0);
  assert.equal(compareQuantities(q('2'), q('1999m')), 1);
  assert.equal(quantitySign(q('-1Gi')), -1);
  assert.equal(quantitySign(q('0e5')), 0);
  assert.equal(quantitySign(q('1e-2000000000')), 1);
  assert.ok(quantitiesEqual('1e-2000000000', '1m'), 'a tiny positive value is stored as 1m');
});
