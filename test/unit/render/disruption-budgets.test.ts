// The disruption budget of each group as a function of its size: a Raft or log group may
// lose a minority (at least one pod, so a single node can always be drained); a
// primary-backup group one pod at a time, whatever its size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCluster } from '../../../src/api/validate.js';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { mergePatch, readManifest } from '../../support/manifests.js';

function clusterOfSize(size: number, protocol: 'raft' | 'log' | 'primaryBackup') {
  const manifest = mergePatch(readManifest('deploy/crds/atomixcluster_cr.yaml'), {
    spec: { managementGroup: { size }, partitionGroups: [{ name: 'data', size, [protocol]: {} }] },
  });
  const result = validateCluster(manifest);
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}

function maxUnavailable(size: number, protocol: 'raft' | 'log' | 'primaryBackup'): { management: unknown; data: unknown } {
  const budgets = renderCluster(clusterOfSize(size, protocol)).filter(isKind('PodDisruptionBudget'));
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

test('Raft groups (management and data) may lose a minority, at least one pod', () => {
  for (const [size, tolerated] of RAFT_TOLERANCE) {
    assert.deepEqual(maxUnavailable(size, 'raft'), { management: tolerated, data: tolerated }, `size ${size}`);
  }
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
