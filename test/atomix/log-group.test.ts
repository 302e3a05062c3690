// Log partition groups on real Atomix 3.1, run exactly as rendered. Atomix 3.1 has one
// primitive made for them, the distributed log (produce/consume; no REST resource in the real
// agent, so the launcher serves it under /launcher/v1), and it can also run state-machine
// primitives such as counters and maps over a log group, which replay the log on every client.
// The two kinds must not share a group: see the report.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCluster } from '../../src/render/index.js';
import { names } from '../../src/api/names.js';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { CONVERGE_TIMEOUT_MS, SUITE_TIMEOUT_MS, useLocalCluster } from './cluster-fixture.js';
import { ok, partitionGroups } from './agent-client.js';
import type { LocalNode } from './local-cluster.js';
import { renderedGroup } from './rendered-config.js';

interface ConsumedRecord {
  partition: number;
  offset: number;
  value: string;
}

async function consumedRecords(node: LocalNode, log: string): Promise<ConsumedRecord[]> {
  return (await ok(node, 'GET', `/launcher/v1/log/${log}/records`)) as ConsumedRecord[];
}

describe('the shipped log group example on Atomix 3.1', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = exampleCluster('atomixcluster_cr_log.yaml');
  const name = spec.metadata.name;
  const objects = renderCluster(spec);
  const logPods = [0, 1, 2].map((ordinal) => names.podName(names.groupStatefulSet(name, 'log'), ordinal));
  const raftPod = names.podName(names.groupStatefulSet(name, 'raft'), 0);
  const protocol = { type: 'multi-log', group: 'log' };
  const running = useLocalCluster(spec);

  test('every pod reports ready on /v1/status', (t) => {
    t.diagnostic(running().summary());
    assert.equal(running().nodes.length, 1 + 3 + logPods.length);
    assert.ok(running().nodes.every((node) => node.readyAfterMs !== undefined));
  });

  test('the log group elects a leader for every rendered partition among its own nodes', () =>
    running().explainFailure(async () => {
      const rendered = renderedGroup(objects, names.groupConfigMap(name, 'log'), 'log');
      const group = await waitUntil(
        async () => {
          const found = (await partitionGroups(running().node(raftPod))).find((g) => g.name === 'log');
          return found?.partitions.every((p) => p.primary !== null) ? found : undefined;
        },
        { what: 'every log partition to have a leader', timeoutMs: CONVERGE_TIMEOUT_MS },
      );
      assert.equal(group.type, 'log');
      assert.equal(group.partitions.length, rendered.partitions);
      for (const partition of group.partitions) {
        assert.ok(logPods.includes(partition.primary as string), `partition ${partition.id} is led by ${partition.primary ?? 'no one'}`);
        assert.deepEqual(partition.members, logPods);
      }
    }));

  test('a distributed log produced via one node is consumed in order via the others', () =>
    running().explainFailure(async () => {
      const [producer, consumer] = [running().node(logPods[0] as string), running().node(logPods[1] as string)];
      const client = running().node(raftPod);
      for (const node of [producer, consumer, client]) await ok(node, 'POST', '/launcher/v1/log/events', { protocol });
      const values = Array.from({ length: 12 }, (_, i) => `event-${i}`);
      for (const value of values) await ok(producer, 'POST', '/launcher/v1/log/events/produce', value);
      for (const node of [consumer, client]) {
        const records = await waitUntil(
          async () => {
            const consumed = await consumedRecords(node, 'events');
            return consumed.length >= values.length ? consumed : undefined;
          },
          { what: `${node.pod} to consume every record`, timeoutMs: CONVERGE_TIMEOUT_MS },
        );
        assert.deepEqual(records.map((r) => r.value).sort(), [...values].sort(), `${node.pod} consumed each record once`);
        for (const partition of new Set(records.map((r) => r.partition))) {
          const inPartition = records.filter((r) => r.partition === partition);
          assert.deepEqual(inPartition.map((r) => r.offset), inPartition.map((_, i) => i + 1), `partition ${partition} in offset order`);
          const produced = values.filter((v) => inPartition.some((r) => r.value === v));
          assert.deepEqual(inPartition.map((r) => r.value), produced, `partition ${partition} in production order`);
        }
      }
    }));
});

function clusterWithOnlyALogGroup(): AtomixCluster {
  const groups = [{ name: 'events', size: 2, partitions: 3, log: { storage: { level: 'mapped' } } }];
  const result = validateCluster(mergePatch(exampleCluster(), { spec: { partitionGroups: groups } }));
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}

describe('state-machine primitives over a log group (memory-mapped storage) on Atomix 3.1', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = clusterWithOnlyALogGroup();
  const name = spec.metadata.name;
  const [writer, reader] = [0, 1].map((ordinal) => names.podName(names.groupStatefulSet(name, 'events'), ordinal)) as [string, string];
  const managementPod = names.podName(names.managementStatefulSet(name), 0);
  const protocol = { type: 'multi-log', group: 'events' };
  const running = useLocalCluster(spec);

  test('every pod reports ready on /v1/status', (t) => {
    t.diagnostic(running().summary());
    assert.ok(running().nodes.every((node) => node.readyAfterMs !== undefined));
  });

  test('an atomic counter and an atomic map are written via one node and read via the others', () =>
    running().explainFailure(async () => {
      const nodes = [writer, reader, managementPod].map((pod) => running().node(pod));
      const [writing, ...reading] = nodes as [LocalNode, ...LocalNode[]];
      for (const node of nodes) {
        await ok(node, 'POST', '/v1/atomic-counter/log-counter', { protocol });
        await ok(node, 'POST', '/v1/atomic-map/log-map', { protocol });
      }
      for (let expected = 1; expected <= 3; expected++) {
        assert.equal(await ok(writing, 'POST', '/v1/atomic-counter/log-counter/inc'), expected);
      }
      await ok(writing, 'PUT', '/v1/atomic-map/log-map/colour', 'green');
      for (const node of reading) {
        assert.equal(await ok(node, 'GET', '/v1/atomic-counter/log-counter'), 3, `counter via ${node.pod}`);
        const stored = (await ok(node, 'GET', '/v1/atomic-map/log-map/colour')) as { value: string };
        assert.equal(stored.value, 'green', `map via ${node.pod}`);
      }
    }));
});
