// The quantity rules on values that are not quantities: the schema's pattern reports those,
// so each rule holds (adds no second message), as its CEL twin does with !isQuantity(...).
// validateCluster stops at the pattern, so these are called directly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceMapRules, resourceRequirementsRules, resourceValueRules, sizeRules } from '../../../src/api/quantity-rules.js';
import type { Rule } from '../../../src/api/rules.js';

const MALFORMED = ['lots', '', '1.2.3Gi', 'Gi'];

const verdicts = <T>(rules: readonly Rule<T>[], value: T) => rules.map((rule) => `${rule.message}: ${String(rule.holds(value))}`);
const allHold = <T>(rules: readonly Rule<T>[]) => rules.map((rule) => `${rule.message}: true`);

describe('quantity rules leave malformed values to the schema pattern', () => {
  for (const value of MALFORMED) {
    test(`a volume size of "${value}"`, () => assert.deepEqual(verdicts(sizeRules, value), allHold(sizeRules)));
    test(`a resource value of "${value}"`, () => assert.deepEqual(verdicts(resourceValueRules, value), allHold(resourceValueRules)));
    test(`cpu "${value}" in a resource map`, () => assert.deepEqual(verdicts(resourceMapRules, { cpu: value }), allHold(resourceMapRules)));
    test(`a request of "${value}" under a limit, and a request under a limit of "${value}"`, () => {
      assert.deepEqual(verdicts(resourceRequirementsRules, { requests: { memory: value }, limits: { memory: '1Gi' } }), allHold(resourceRequirementsRules));
      assert.deepEqual(verdicts(resourceRequirementsRules, { requests: { memory: '2Gi' }, limits: { memory: value } }), allHold(resourceRequirementsRules));
    });
  }

  test('the same rules do fire on well-formed values out of range (the table above is not vacuous)', () => {
    assert.deepEqual(verdicts(sizeRules, '0'), ['must be greater than zero: false', 'must be at most 1Ei: true']);
    assert.deepEqual(verdicts(resourceValueRules, '2Ei'), ['must be greater than zero: true', 'must be at most 1Ei: false']);
    assert.deepEqual(verdicts(resourceMapRules, { cpu: '20k' }).at(-1), 'cpu must be at most 10k (cores): false');
    assert.deepEqual(verdicts(resourceRequirementsRules, { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } }), ['every request must be at most the limit of the same resource: false']);
  });

  test('requests without limits, limits without requests, and a request for a resource with no limit hold', () => {
    const pairs: { requests?: Record<string, string>; limits?: Record<string, string> }[] = [
      { requests: { memory: '2Gi' } },
      { limits: { memory: '1Gi' } },
      {},
      { requests: { cpu: '4' }, limits: { memory: '1Gi' } },
    ];
    for (const value of pairs) {
      assert.deepEqual(verdicts(resourceRequirementsRules, value), allHold(resourceRequirementsRules), JSON.stringify(value));
    }
  });

  test('a resource map without cpu holds the cpu rule, and names only known resources', () => {
    assert.deepEqual(verdicts(resourceMapRules, { memory: '1Gi' }), allHold(resourceMapRules));
    assert.equal(resourceMapRules[0]?.holds({ memory: '1Gi', gpu: 1 }), false);
  });
});
