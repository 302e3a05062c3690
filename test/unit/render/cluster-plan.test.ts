// The plan the controller counts the status by and rolls the servers with: one entry per
// group, naming the StatefulSets renderCluster builds and, for Atomix servers, how the operator
// asks the group whether it takes writes (Atomix's name of the group and its primitive protocol).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, planCluster, renderCluster } from '../../../src/render/index.js';
import { partitionGroup, contextOf, DEFAULT_RENDER_OPTIONS } from '../../../src/render/node-groups.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

const spec = { ...EVERY_GROUP, partitionGroups: [{ name: 'raft', size: 3, partitions: 5, raft: {} }, ...EVERY_GROUP.partitionGroups.slice(1)] };
const plan = planCluster(validCluster(spec));

const serverGroup = (name: string, statefulSet: string, replicas: number, selector: object, writeProbe: object) => ({
  name,
  statefulSets: [{ name: statefulSet, replicas }],
  servers: { statefulSet, replicas, selector: { app: 'example-atomixcluster', ...selector }, writeProbe },
});

describe('the cluster plan', () => {
  test('the management group is probed as Atomix\'s one-partition Raft group "system"', () => {
    assert.deepEqual(
      plan.management,
      serverGroup('management', 'example-atomixcluster-management', 1, { type: 'managment' }, { atomixGroup: 'system', protocol: 'multi-raft', partitions: 1 }),
    );
  });

  const PARTITION_GROUPS = [
    ['a Raft group through multi-raft primitives, over its partitions', 'raft', 3, 'multi-raft', 5],
    ['a log group has no primitive to probe it with', 'log', 2, undefined, 2],
    ['a primary-backup group through multi-primary primitives', 'pb', 2, 'multi-primary', 2],
  ] as const;
  test('each partition group, in spec order, under its own name', () => {
    assert.deepEqual(plan.partitions.map((group) => group.name), PARTITION_GROUPS.map(([, name]) => name));
  });
  for (const [why, name, replicas, protocol, partitions] of PARTITION_GROUPS) {
    test(why, () => {
      assert.deepEqual(
        plan.partitions.find((group) => group.name === name),
        serverGroup(name, `example-atomixcluster-${name}`, replicas, { type: 'group', group: name }, { atomixGroup: name, protocol, partitions }),
      );
    });
  }

  test('the benchmark is its workers and its coordinator, clients the operator does not roll', () => {
    assert.deepEqual(plan.benchmark, {
      name: 'benchmark',
      statefulSets: [
        { name: 'example-atomixcluster-bench-worker', replicas: 2 },
        { name: 'example-atomixcluster-bench-coordinator', replicas: 1 },
      ],
    });
    const { benchmark: _, ...withoutBenchmark } = spec;
    assert.equal('benchmark' in planCluster(validCluster(withoutBenchmark)), false);
  });

  test('a cluster without partition groups plans the management group alone', () => {
    const alone = planCluster(validCluster({ version: '3.1.12', partitionGroups: null }));
    assert.deepEqual(alone.partitions, []);
    assert.equal(alone.management.name, 'management');
  });

  test('names exactly the StatefulSets renderCluster builds, with their replicas', () => {
    const planned = [plan.management, ...plan.partitions, ...(plan.benchmark ? [plan.benchmark] : [])].flatMap((group) => group.statefulSets);
    const rendered = renderCluster(validCluster(spec)).filter(isKind('StatefulSet')).map((sts) => ({ name: sts.metadata.name, replicas: sts.spec?.replicas }));
    assert.deepEqual(planned, rendered);
  });
});

test('a partition group without a protocol (an input that skipped validation) is refused, naming the group', () => {
  const ctx = contextOf(validCluster({}), DEFAULT_RENDER_OPTIONS);
  assert.throws(() => partitionGroup(ctx, { name: 'orphan', size: 3 }), { message: 'partition group orphan has no protocol (raft, primaryBackup or log)' });
});
