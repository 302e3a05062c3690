import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expand, lookupIn } from '../../../src/local/node/expansion.js';

const variables = lookupIn({ POD_NAME: 'c-raft-0', EMPTY: '', NS: 'default', 'dotted.name': 'x' });

// Cases from Kubernetes' expansion rules (third_party/forked/golang/expansion), written out here.
const cases: Array<[input: string, expected: string]> = [
  ['$(POD_NAME)', 'c-raft-0'],
  ['--member $(POD_NAME)', '--member c-raft-0'],
  ['$(POD_NAME).svc.$(NS).svc.cluster.local:5679', 'c-raft-0.svc.default.svc.cluster.local:5679'],
  ['$(POD_NAME)$(NS)', 'c-raft-0default'],
  ['$(EMPTY)', ''],
  ['x$(EMPTY)y', 'xy'],
  ['$(dotted.name)', 'x'],
  ['$(UNKNOWN)', '$(UNKNOWN)'],
  ['a $(UNKNOWN) b $(NS)', 'a $(UNKNOWN) b default'],
  ['$$(POD_NAME)', '$(POD_NAME)'],
  ['$$$(POD_NAME)', '$c-raft-0'],
  ['$$$$(POD_NAME)', '$$(POD_NAME)'],
  ['$$', '$'],
  ['$$$', '$$'],
  ['a$$b', 'a$b'],
  ['$', '$'],
  ['x$', 'x$'],
  ['$x', '$x'],
  ['$POD_NAME', '$POD_NAME'],
  ['${POD_NAME}', '${POD_NAME}'],
  ['$(POD_NAME', '$(POD_NAME'],
  ['$(', '$('],
  ['$()', '$()'],
  ['$(NS)$(', 'default$('],
  ['$(NS', '$(NS'],
  ['$((NS))', '$((NS))'],
  ['$(NS))', 'default)'],
  ['no variables', 'no variables'],
  ['', ''],
];

for (const [input, expected] of cases) {
  test(`expands ${JSON.stringify(input)} to ${JSON.stringify(expected)}`, () => {
    assert.equal(expand(input, variables), expected);
  });
}

test('looks names up in a Map too, and never in the prototype of a record', () => {
  assert.equal(expand('$(A)', lookupIn(new Map([['A', '1']]))), '1');
  assert.equal(expand('$(toString)', lookupIn({})), '$(toString)');
});
