// The disruption budget of each group as a function of its size: a Raft or log group may
// lose a minority (at least one pod, so a single node can always be drained), a Raft data group
// a minority of one partition (partitionSize members); a primary-backup group one pod at a
// time, whatever its size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCluster } from '../../../src/api/validate.js';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { mergePatch, readManifest } from '../../support/manifests.js';

function clusterOfSize(size: number, protocol: 'raft' | 'log' | 'primaryBackup', settings: object = {}) {
  const manifest = mergePatch(readManifest('deploy/crds/atomixcluster_cr.yaml'), {
    spec: { managementGroup: { size }, partitionGroups: [{ name: 'data', size, [protocol]: settings }] },
  });
  const result = validateCluster(manifest);
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}

function maxUnavailable(size: number, protocol: 'raft' | 'log' | 'primaryBackup', settings?: object): { management: unknown; data: unknown } {
  const budgets = renderCluster(clusterOfSize(size, protocol, settings)).filter(isKind('PodDisruptionBudget'));
  const of = (name: string) => budgets.find((budget) => budget.metadata.name === name)?.spec?.maxUnavailable;
  return { management: of('example-atomixcluster-management'), data: of('example-atomixcluster-data') };
}

const RAFT_TOLERANCE: readonly (readonly [size: number, tolerated: number])[] = [
  [1, 1],
  [2, 1],
  [3, 1],
  [4, 1],
  [5, 2],
  [6, 2],
  [7, 3],
  [9, 4],
  [10, 4],
];

test('the management group and Raft groups with partitions of all members may lose a minority, at least one pod', () => {
  for (const [size, tolerated] of RAFT_TOLERANCE) {
    assert.deepEqual(maxUnavailable(size, 'raft', { partitionSize: size }), { management: tolerated, data: tolerated }, `size ${size}`);
  }
});

/** Nodes down at once may all be members of one partition: a Raft group tolerates what one partition does. */
const PARTITION_TOLERANCE: readonly (readonly [size: number, partitionSize: number, tolerated: number])[] = [
  [5, 3, 1],
  [5, 5, 2],
  [5, 7, 2],
  [7, 3, 1],
  [7, 5, 2],
  [9, 3, 1],
  [9, 7, 3],
  [3, 1, 1],
  [1, 3, 1],
];

test('a Raft data group may lose a minority of one partition (partitionSize members, capped at the group size)', () => {
  for (const [size, partitionSize, tolerated] of PARTITION_TOLERANCE) {
    assert.equal(maxUnavailable(size, 'raft', { partitionSize }).data, tolerated, `size ${size}, partitionSize ${partitionSize}`);
  }
});

test('a Raft data group gets the default partitionSize 3: 5 members tolerate 1 down, not 2', () => {
  assert.equal(maxUnavailable(5, 'raft').data, 1);
});

test('log groups are budgeted like Raft groups', () => {
  for (const [size, tolerated] of RAFT_TOLERANCE) {
    assert.equal(maxUnavailable(size, 'log').data, tolerated, `size ${size}`);
  }
});

test('primary-backup groups may lose one pod at a time, whatever their size', () => {
  for (const [size, tolerated] of RAFT_TOLERANCE) {
    assert.deepEqual(maxUnavailable(size, 'primaryBackup'), { management: tolerated, data: 1 }, `size ${size}`);
  }
});
