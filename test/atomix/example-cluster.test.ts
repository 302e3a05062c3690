// The README's example cluster (a management group of 1 and a Raft group "raft" of 3 nodes
// with 3 partitions), plus one benchmark worker as a client-only node, run on real Atomix 3.1
// exactly as rendered.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCluster, type KubeObject } from '../../src/render/index.js';
import { names } from '../../src/api/names.js';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { CONVERGE_TIMEOUT_MS, SUITE_TIMEOUT_MS, useLocalCluster } from './cluster-fixture.js';
import { call, memberIds, ok, partitionGroups } from './agent-client.js';
import { memorySizeBytes, renderedAtomixConfig, renderedGroup } from './rendered-config.js';

const RAFT = { type: 'multi-raft', group: 'raft' };

function exampleWithBenchmarkWorker(): AtomixCluster {
  const result = validateCluster(mergePatch(exampleCluster(), { spec: { benchmark: { size: 1 } } }));
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}

describe('the README example cluster on Atomix 3.1', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = exampleWithBenchmarkWorker();
  const name = spec.metadata.name;
  const objects: KubeObject[] = renderCluster(spec);
  const managementPod = names.podName(names.managementStatefulSet(name), 0);
  const raftPods = [0, 1, 2].map((ordinal) => names.podName(names.groupStatefulSet(name, 'raft'), ordinal));
  const workerPod = names.podName(names.benchWorkers(name), 0);
  const running = useLocalCluster(spec);

  test('every pod the StatefulSets create reports ready on /v1/status', (t) => {
    const c = running();
    t.diagnostic(c.summary());
    const pods = c.nodes.map((node) => node.pod).sort();
    assert.deepEqual(pods, [...raftPods, names.podName(names.benchCoordinator(name), 0), workerPod, managementPod].sort());
    assert.ok(c.nodes.every((node) => node.readyAfterMs !== undefined));
  });

  test('all pods join one cluster under their pod names', () =>
    running().explainFailure(async () => {
      const c = running();
      const expected = c.nodes.map((node) => node.pod).sort();
      for (const node of c.nodes) {
        await waitUntil(async () => JSON.stringify(await memberIds(node)) === JSON.stringify(expected), {
          what: `${node.pod} to see every member`,
          timeoutMs: CONVERGE_TIMEOUT_MS,
        });
      }
    }));

  test('the management group and the raft group run as rendered', () =>
    running().explainFailure(async () => {
      const management = renderedAtomixConfig(objects, names.managementConfigMap(name)).managementGroup;
      const raft = renderedGroup(objects, names.groupConfigMap(name, 'raft'), 'raft');
      assert.ok(management);
      for (const pod of [raftPods[0] as string, workerPod]) {
        const groups = await partitionGroups(running().node(pod));
        const system = groups.find((group) => group.system);
        assert.equal(system?.type, 'raft', `${pod} sees the management group`);
        assert.deepEqual(system.partitions.map((p) => p.members), [management.members]);
        const data = groups.find((group) => group.name === 'raft');
        assert.equal(data?.type, 'raft', `${pod} sees the raft group`);
        assert.equal(data.partitions.length, raft.partitions);
        for (const partition of data.partitions) assert.deepEqual(partition.members, raft.members);
      }
    }));

  test('an atomic counter on the raft group is written via one node and read via another', () =>
    running().explainFailure(async () => {
      const [writer, reader] = [running().node(raftPods[0] as string), running().node(raftPods[1] as string)];
      await ok(writer, 'POST', '/v1/atomic-counter/example-counter', { protocol: RAFT });
      await ok(reader, 'POST', '/v1/atomic-counter/example-counter', { protocol: RAFT });
      for (let expected = 1; expected <= 3; expected++) {
        assert.equal(await ok(writer, 'POST', '/v1/atomic-counter/example-counter/inc'), expected);
      }
      assert.equal(await ok(reader, 'GET', '/v1/atomic-counter/example-counter'), 3);
    }));

  test('a client-only node (the benchmark worker) joins and uses the raft group', () =>
    running().explainFailure(async () => {
      assert.equal(renderedAtomixConfig(objects, names.benchConfigMap(name)).partitionGroups, undefined, 'the worker configures no group');
      const worker = running().node(workerPod);
      const member = running().node(raftPods[2] as string);
      await ok(worker, 'POST', '/v1/atomic-counter/client-counter', { protocol: RAFT });
      await ok(member, 'POST', '/v1/atomic-counter/client-counter', { protocol: RAFT });
      await ok(worker, 'PUT', '/v1/atomic-counter/client-counter', '41');
      assert.equal(await ok(worker, 'POST', '/v1/atomic-counter/client-counter/inc'), 42);
      assert.equal(await ok(member, 'GET', '/v1/atomic-counter/client-counter'), 42);
    }));

  test('the raft group takes entries up to the rendered maxEntrySize and refuses larger ones', () =>
    running().explainFailure(async () => {
      const limit = memorySizeBytes(renderedGroup(objects, names.groupConfigMap(name, 'raft'), 'raft').storage?.maxEntrySize ?? '');
      const [writer, reader] = [running().node(raftPods[0] as string), running().node(raftPods[1] as string)];
      const value = 'x'.repeat(Math.floor(limit / 2));
      await ok(writer, 'POST', '/v1/atomic-map/within-limit', { protocol: RAFT });
      await ok(reader, 'POST', '/v1/atomic-map/within-limit', { protocol: RAFT });
      await ok(writer, 'PUT', '/v1/atomic-map/within-limit/key', value);
      const stored = (await ok(reader, 'GET', '/v1/atomic-map/within-limit/key')) as { value: string };
      assert.equal(stored.value, value);
      // A refused entry also leaves this node's session for the map unusable (see the report),
      // so the check uses a map of its own.
      await ok(writer, 'POST', '/v1/atomic-map/over-limit', { protocol: RAFT });
      const refused = await call(writer, 'PUT', '/v1/atomic-map/over-limit/key', 'x'.repeat(limit + 1024));
      assert.equal(refused.status, 500, `an entry over ${limit} bytes is refused: ${refused.body}`);
    }));
});
