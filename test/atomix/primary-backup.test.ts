// The example cluster with the shipped primary-backup patch (deploy/crds), run on real
// Atomix 3.1 exactly as rendered.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCluster } from '../../src/render/index.js';
import { names } from '../../src/api/names.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster } from '../support/manifests.js';
import { CONVERGE_TIMEOUT_MS, SUITE_TIMEOUT_MS, useLocalCluster } from './cluster-fixture.js';
import { ok, partitionGroups, type PartitionGroupInfo } from './agent-client.js';
import { renderedGroup } from './rendered-config.js';

const GROUP = 'primary-backup';
const PROTOCOL = { type: 'multi-primary', group: GROUP, backups: 1 };

describe('a primary-backup group on Atomix 3.1', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = exampleCluster('atomixcluster_cr_primary_backup.yaml');
  const name = spec.metadata.name;
  const objects = renderCluster(spec);
  const groupPods = [0, 1].map((ordinal) => names.podName(names.groupStatefulSet(name, GROUP), ordinal));
  const raftPod = names.podName(names.groupStatefulSet(name, 'raft'), 0);
  const managementPod = names.podName(names.managementStatefulSet(name), 0);
  const running = useLocalCluster(spec);

  test('every pod reports ready on /v1/status', (t) => {
    t.diagnostic(running().summary());
    assert.equal(running().nodes.length, 1 + 3 + groupPods.length);
    assert.ok(running().nodes.every((node) => node.readyAfterMs !== undefined));
  });

  test('the group elects a primary for every rendered partition among its own nodes', () =>
    running().explainFailure(async () => {
      const rendered = renderedGroup(objects, names.groupConfigMap(name, GROUP), GROUP);
      for (const pod of [groupPods[0] as string, raftPod]) {
        const group = await waitUntil(
          async () => {
            const found = (await partitionGroups(running().node(pod))).find((g) => g.name === GROUP);
            return found?.partitions.every((p) => p.primary !== null) ? found : undefined;
          },
          { what: `${pod} to see a primary for every partition of ${GROUP}`, timeoutMs: CONVERGE_TIMEOUT_MS },
        );
        assertRunsOn(group, rendered.partitions, groupPods);
      }
    }));

  test('an atomic map on the group is written via one node and read via the others', () =>
    running().explainFailure(async () => {
      const [writer, reader] = groupPods.map((pod) => running().node(pod)) as [typeof client, typeof client];
      const client = running().node(managementPod);
      for (const node of [writer, reader, client]) await ok(node, 'POST', '/v1/atomic-map/pb-map', { protocol: PROTOCOL });
      assert.equal(await ok(writer, 'PUT', '/v1/atomic-map/pb-map/greeting', 'hello'), undefined, 'no previous value');
      const previous = (await ok(writer, 'PUT', '/v1/atomic-map/pb-map/greeting', 'hello again')) as { value: string };
      assert.equal(previous.value, 'hello');
      for (const node of [reader, client]) {
        const stored = (await ok(node, 'GET', '/v1/atomic-map/pb-map/greeting')) as { value: string };
        assert.equal(stored.value, 'hello again', `read via ${node.pod}`);
      }
    }));
});

function assertRunsOn(group: PartitionGroupInfo, partitions: number, pods: string[]): void {
  assert.equal(group.type, 'primary-backup');
  assert.equal(group.partitions.length, partitions);
  for (const partition of group.partitions) {
    assert.ok(pods.includes(partition.primary as string), `partition ${partition.id} has primary ${partition.primary ?? 'none'}`);
    assert.deepEqual(partition.members, pods, `partition ${partition.id} can fail over to every node of the group`);
  }
}
