// `npm run test:quick-start`: the whole README quick start with the operator as a pod, the part
// the default suite runs (quick-start.test.ts) and then every seed patch of the README, in its
// order, each a real `kubectl patch --type=merge` of deploy/crds/atomixcluster_cr_*.yaml; after
// each the cluster is Ready at the patched generation with exactly the patch's groups, all of
// whose members are ready. Up to 11 JVMs at once: too heavy for the default suite on 2 cores.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { repoRoot } from '../support/manifests.js';
import { QUICK_START, readmeShellLines, runBlock, startQuickStart, waitForOperator, type QuickStart } from './quick-start.js';
import { SUITE_TIMEOUT_MS } from './real-cluster.js';

const CLUSTER = 'example-atomixcluster';

interface SeedPatch {
  spec: { partitionGroups?: { name: string }[]; benchmark?: { size: number } };
}

describe('the README quick start and every seed patch, through the operator as a pod', { timeout: 3 * SUITE_TIMEOUT_MS }, () => {
  const [install = [], example = [], patches = []] = readmeShellLines(QUICK_START);
  let quickStart: QuickStart;

  before(async () => {
    quickStart = await startQuickStart();
    await runBlock(quickStart, install);
    await waitForOperator(quickStart.cluster);
  });
  after(() => (quickStart as QuickStart | undefined)?.stop());

  test('the README example becomes Ready', async () => {
    await runBlock(quickStart, example);
    await quickStart.cluster.waitUntilReady(CLUSTER);
  });

  assert.equal(patches.length, 4, 'the README lists the four seed patches');
  let groups = ['raft'];
  for (const line of patches) {
    const file = /\$\(cat (deploy\/crds\/atomixcluster_cr_\w+\.yaml)\)/.exec(line)?.[1] ?? '';
    test(`${file} becomes Ready`, async () => {
      assert.notEqual(file, '', `${line} patches with a seed file`);
      const patch = parse(readFileSync(`${repoRoot}/${file}`, 'utf8')) as SeedPatch;
      const previous = await quickStart.cluster.cluster(CLUSTER);
      await quickStart.shell(line);
      const patched = await quickStart.cluster.cluster(CLUSTER);
      assert.ok((patched.metadata.generation ?? 0) > (previous.metadata.generation ?? 0), 'the patch changed the spec');
      const ready = await quickStart.cluster.waitUntilReady(CLUSTER);
      groups = patch.spec.partitionGroups?.map((group) => group.name) ?? groups;
      const status = ready.status;
      assert.ok(status, 'a Ready cluster has a status');
      assert.deepEqual(status.partitionGroups?.map((group) => group.name), groups);
      for (const group of [status.managementGroup, ...(status.partitionGroups ?? []), status.benchmark]) {
        if (group) assert.equal(group.readyReplicas, group.replicas, `group ${group.name} is ready`);
      }
      assert.equal(status.benchmark !== undefined, patch.spec.benchmark !== undefined || previous.spec.benchmark !== undefined, 'the benchmark is there once patched in');
    });
  }
});
