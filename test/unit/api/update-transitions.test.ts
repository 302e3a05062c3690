// validateClusterUpdate as a table: a stored spec, the spec sent in its place, and exactly which
// fields the transition rules refuse (with the start of each message), or that the change is taken.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster, validateClusterUpdate, type ValidationResult } from '../../../src/api/validate.js';
import { mergePatch, readManifest } from '../../support/manifests.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const cluster = (spec: object) => mergePatch(example, { spec });

const PROTOCOL = /^the protocol of an existing partition group cannot change: /;
const GROUP_SIZE = /^the size of an existing partition group cannot change: /;
const PARTITIONS = /^the partitions of an existing partition group cannot change \(when unset they follow size\): /;
const PARTITION_SIZE = /^the partitionSize of an existing raft group cannot change: /;
const MANAGEMENT_SIZE = /^the size of the management group cannot change: /;
const STORAGE_SIZE = /^storage size can only grow: /;
const CLASS_NAME = /^storage className cannot change: /;
const VERSION = /^the version cannot change between 3\.1\.0–3\.1\.5 and 3\.1\.6 or later \(either way\) in a rolling update: /;

const raft = (name: string, fields: object = {}) => ({ name, size: 3, raft: {}, ...fields });
const log = (name: string, fields: object = {}) => ({ name, size: 3, log: {}, ...fields });
const primaryBackup = (name: string, fields: object = {}) => ({ name, size: 3, primaryBackup: {}, ...fields });

interface UpdateCase {
  readonly name: string;
  readonly stored: object;
  readonly next: object;
  /** Field -> the start of its message; empty: the update is accepted. */
  readonly refused: Readonly<Record<string, RegExp>>;
}

const G0 = 'spec.partitionGroups[0]';
const G1 = 'spec.partitionGroups[1]';

const CASES: readonly UpdateCase[] = [
  // The protocol, compared by group name.
  { name: 'raft -> primaryBackup', stored: { partitionGroups: [raft('a')] }, next: { partitionGroups: [primaryBackup('a')] }, refused: { [G0]: PROTOCOL } },
  { name: 'primaryBackup -> log', stored: { partitionGroups: [primaryBackup('a')] }, next: { partitionGroups: [log('a')] }, refused: { [G0]: PROTOCOL } },
  { name: 'log -> raft', stored: { partitionGroups: [log('a')] }, next: { partitionGroups: [raft('a')] }, refused: { [G0]: PROTOCOL } },
  { name: 'log -> primaryBackup', stored: { partitionGroups: [log('a')] }, next: { partitionGroups: [primaryBackup('a')] }, refused: { [G0]: PROTOCOL } },
  { name: 'each protocol unchanged', stored: { partitionGroups: [raft('a'), log('b'), primaryBackup('c')] }, next: { partitionGroups: [raft('a'), log('b'), primaryBackup('c')] }, refused: {} },
  { name: 'a renamed group is a new group (any shape)', stored: { partitionGroups: [raft('a')] }, next: { partitionGroups: [log('b', { size: 5 })] }, refused: {} },
  // size and partitions (partitions follow size when unset).
  { name: 'size with partitions unset: both change', stored: { partitionGroups: [raft('a')] }, next: { partitionGroups: [raft('a', { size: 5 })] }, refused: { [`${G0}.size`]: GROUP_SIZE, [`${G0}.partitions`]: PARTITIONS } },
  { name: 'size with partitions kept', stored: { partitionGroups: [raft('a', { partitions: 3 })] }, next: { partitionGroups: [raft('a', { size: 5, partitions: 3 })] }, refused: { [`${G0}.size`]: GROUP_SIZE } },
  { name: 'partitions set to what size gave them', stored: { partitionGroups: [log('a')] }, next: { partitionGroups: [log('a', { partitions: 3 })] }, refused: {} },
  { name: 'partitions set to another count', stored: { partitionGroups: [log('a')] }, next: { partitionGroups: [log('a', { partitions: 4 })] }, refused: { [`${G0}.partitions`]: PARTITIONS } },
  { name: 'partitions unset, and size keeps them', stored: { partitionGroups: [primaryBackup('a', { size: 4, partitions: 4 })] }, next: { partitionGroups: [primaryBackup('a', { size: 4 })] }, refused: {} },
  { name: 'partitions 7 -> 8', stored: { partitionGroups: [primaryBackup('a', { partitions: 7 })] }, next: { partitionGroups: [primaryBackup('a', { partitions: 8 })] }, refused: { [`${G0}.partitions`]: PARTITIONS } },
  // Raft's partitionSize (default 3).
  { name: 'partitionSize unset -> 3 (its default)', stored: { partitionGroups: [raft('a')] }, next: { partitionGroups: [raft('a', { raft: { partitionSize: 3 } })] }, refused: {} },
  { name: 'partitionSize 3 -> 2', stored: { partitionGroups: [raft('a')] }, next: { partitionGroups: [raft('a', { raft: { partitionSize: 2 } })] }, refused: { [`${G0}.raft.partitionSize`]: PARTITION_SIZE } },
  // The management group.
  { name: 'management size 3 -> 1', stored: { managementGroup: { size: 3 } }, next: { managementGroup: { size: 1 } }, refused: { 'spec.managementGroup.size': MANAGEMENT_SIZE } },
  { name: 'management size unset -> 1 (its default)', stored: { managementGroup: { size: null } }, next: { managementGroup: { size: 1 } }, refused: {} },
  // Volumes: sizes only grow, in any units; className is fixed, set or not.
  { name: 'storage 2G -> 2000M (equal)', stored: {}, next: { managementGroup: { storage: { size: '2000M' } } }, refused: {} },
  { name: 'storage 2G -> 1999M', stored: {}, next: { managementGroup: { storage: { size: '1999M' } } }, refused: { 'spec.managementGroup.storage.size': STORAGE_SIZE } },
  { name: 'storage 2G -> 2000000001 bytes', stored: {}, next: { managementGroup: { storage: { size: '2000000001' } } }, refused: {} },
  { name: 'storage 1Gi -> 1G (smaller: 2^30 > 10^9)', stored: { managementGroup: { storage: { size: '1Gi' } } }, next: { managementGroup: { storage: { size: '1G' } } }, refused: { 'spec.managementGroup.storage.size': STORAGE_SIZE } },
  { name: 'a log group\'s storage shrinks', stored: { partitionGroups: [log('a', { log: { storage: { size: '10Gi' } } })] }, next: { partitionGroups: [log('a', { log: { storage: { size: '9Gi' } } })] }, refused: { [`${G0}.log.storage.size`]: STORAGE_SIZE } },
  { name: 'a className added', stored: { managementGroup: { storage: { className: null } } }, next: {}, refused: { 'spec.managementGroup.storage.className': CLASS_NAME } },
  { name: 'a className changed on a log group', stored: { partitionGroups: [log('a', { log: { storage: { className: 'ssd' } } })] }, next: { partitionGroups: [log('a', { log: { storage: { className: 'hdd' } } })] }, refused: { [`${G0}.log.storage.className`]: CLASS_NAME } },
  { name: 'no className before or after', stored: { managementGroup: { storage: { className: null } } }, next: { managementGroup: { storage: { className: null, size: '3G' } } }, refused: {} },
  // The version, across the 3.1.5 -> 3.1.6 line only with FullRestart (the new spec's strategy).
  { name: '3.1.5 -> 3.1.6 rolling', stored: { version: '3.1.5' }, next: { version: '3.1.6' }, refused: { 'spec.version': VERSION } },
  { name: '3.1.6 -> 3.1.5 with RollingUpdate said', stored: { version: '3.1.6' }, next: { version: '3.1.5', updateStrategy: 'RollingUpdate' }, refused: { 'spec.version': VERSION } },
  { name: '3.1.5 -> 3.1.6 with FullRestart', stored: { version: '3.1.5' }, next: { version: '3.1.6', updateStrategy: 'FullRestart' }, refused: {} },
  { name: 'FullRestart stored, RollingUpdate sent with the crossing', stored: { version: '3.1.5', updateStrategy: 'FullRestart' }, next: { version: '3.1.6', updateStrategy: 'RollingUpdate' }, refused: { 'spec.version': VERSION } },
  { name: '3.1.6 -> 3.1.12 rolling', stored: { version: '3.1.6' }, next: { version: '3.1.12' }, refused: {} },
  { name: '3.1.4 -> 3.1.0 rolling', stored: { version: '3.1.4' }, next: { version: '3.1.0' }, refused: {} },
  // Lists other than the partition groups are not correlated item by item (as in the API server).
  {
    name: 'env, tolerations and pull secrets changed in place',
    stored: { imagePullSecrets: [{ name: 'a' }], managementGroup: { env: [{ name: 'A', value: '1' }], tolerations: [{ key: 'k', operator: 'Exists' }] }, partitionGroups: [raft('a', { env: [{ name: 'B' }] })] },
    next: { imagePullSecrets: [{ name: 'b' }, { name: 'c' }], managementGroup: { env: [{ name: 'C', value: '2' }], tolerations: [] }, partitionGroups: [raft('a', { env: [{ name: 'B', value: 'x' }] })] },
    refused: {},
  },
  {
    name: 'labels, resources and placement changed in place',
    stored: { managementGroup: { labels: { team: 'a' }, resources: { limits: { cpu: 1 } }, nodeSelector: { zone: 'a' } } },
    next: { managementGroup: { labels: { team: 'b', tier: 'c' }, resources: { limits: { cpu: 2 }, requests: { cpu: 1 } }, nodeSelector: { zone: 'b' } } },
    refused: {},
  },
  // Several refusals at once, each at the index of the group in the new list.
  {
    name: 'two groups resized, listed in another order',
    stored: { partitionGroups: [raft('a', { partitions: 3 }), log('b', { partitions: 3 })] },
    next: { partitionGroups: [log('b', { size: 4, partitions: 3 }), raft('a', { size: 5, partitions: 3 })] },
    refused: { [`${G0}.size`]: GROUP_SIZE, [`${G1}.size`]: GROUP_SIZE },
  },
  {
    name: 'a new group beside a changed one',
    stored: { partitionGroups: [raft('a')] },
    next: { partitionGroups: [raft('new', { size: 5 }), raft('a', { raft: { partitionSize: 1 } })] },
    refused: { [`${G1}.raft.partitionSize`]: PARTITION_SIZE },
  },
  {
    name: 'the version, the management group and a group\'s volume at once',
    stored: { version: '3.1.0', managementGroup: { size: 1 }, partitionGroups: [raft('a')] },
    next: { version: '3.1.12', managementGroup: { size: 3 }, partitionGroups: [raft('a', { raft: { storage: { size: '1G' } } })] },
    refused: { 'spec.version': VERSION, 'spec.managementGroup.size': MANAGEMENT_SIZE, [`${G0}.raft.storage.size`]: STORAGE_SIZE },
  },
];

function update(stored: object, next: object): ValidationResult {
  const previous = validateCluster(cluster(stored));
  assert.ok(previous.ok, JSON.stringify(!previous.ok && previous.errors));
  const sent = cluster(next);
  assert.ok(validateCluster(sent).ok, 'the new spec is valid on its own');
  return validateClusterUpdate(previous.cluster, sent);
}

describe('transition rules, change by change', () => {
  for (const { name, stored, next, refused } of CASES) {
    const expected = Object.keys(refused);
    test(`${name}: ${expected.length === 0 ? 'accepted' : `refused at ${expected.join(', ')}`}`, () => {
      const result = update(stored, next);
      if (expected.length === 0) {
        assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
        return;
      }
      assert.ok(!result.ok, 'the change was accepted');
      assert.deepEqual(result.errors.map((e) => e.field).sort(), [...expected].sort());
      for (const { field, message } of result.errors) assert.match(message, refused[field] ?? /^$/, field);
    });
  }
});

describe('what an update is compared with', () => {
  const stored = cluster({ partitionGroups: [raft('a')] });
  const resized = cluster({ partitionGroups: [raft('a', { size: 5 })] });

  test('the accepted update returns the new spec with its defaults', () => {
    const result = validateClusterUpdate(stored, cluster({ partitionGroups: [raft('a')], managementGroup: { storage: { size: '3G' } } }));
    assert.ok(result.ok);
    assert.equal(result.cluster.spec.managementGroup.storage.size, '3G');
    assert.equal(result.cluster.spec.partitionGroups?.[0]?.raft?.partitionSize, 3);
  });

  test('the stored object is compared with its defaults applied', () => {
    // Stored without partitionSize; the default 3 then equals the explicit 3 sent.
    assert.ok(validateClusterUpdate(stored, cluster({ partitionGroups: [raft('a', { raft: { partitionSize: 3 } })] })).ok);
  });

  test('a stored object that does not validate leaves only the new spec\'s own checks', () => {
    const invalidStored = cluster({ managementGroup: { size: 0 }, partitionGroups: [raft('a')] });
    assert.ok(validateClusterUpdate(invalidStored, resized).ok);
    assert.ok(validateClusterUpdate(null, resized).ok);
    assert.ok(validateClusterUpdate(mergePatch(stored, { kind: 'Other' }), resized).ok);
  });

  test('a new spec that does not validate reports its own errors, not the transitions', () => {
    const result = validateClusterUpdate(stored, cluster({ partitionGroups: [raft('a', { size: 5, partitions: 0 })] }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'spec.partitionGroups[0].partitions', message: 'must be >= 1' }]);
  });

  test('the update is checked in either direction: the stored object is not changed by it', () => {
    const before = JSON.stringify(stored);
    assert.ok(!validateClusterUpdate(stored, resized).ok);
    assert.ok(!validateClusterUpdate(resized, stored).ok);
    assert.equal(JSON.stringify(stored), before);
  });
});
