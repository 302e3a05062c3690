// The storage and compaction boundaries admission accepts (test/support/value-cases.ts), booted on
// real Atomix: one node of atomix/atomix:3.1.12, started by the image's entrypoint, whose Raft and
// log groups sit at the smallest and the largest values, takes a write through each Raft group.
// Left out: entrySize 1 GiB - 9 bytes with level disk, the largest disk value, needs a 2 GiB heap
// buffer per log writer (its rejection at 1 GiB - 8 is from the source and a node that never started).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, KIND } from '../../src/api/group.js';
import { validateCluster } from '../../src/api/validate.js';
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { clusterConfig, logGroupConfig, managementGroupConfig, raftGroupConfig, toHocon } from '../../src/render/atomix-config.js';
import { BOUNDARY_COMPACTION, BOUNDARY_STORAGE } from '../support/value-cases.js';
import { bootImage, post, resolveRuntime } from './image-boot.js';

const MEMBER = 'limits-0';

function boundaryConfig(): string {
  const validated = validateCluster({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'limits' },
    spec: {
      version: '3.1.12',
      partitionGroups: [
        { name: 'raft-small', raft: { storage: BOUNDARY_STORAGE.smallest, compaction: BOUNDARY_COMPACTION.smallest } },
        { name: 'raft-large', raft: { storage: BOUNDARY_STORAGE.largestMapped, compaction: BOUNDARY_COMPACTION.largest } },
        { name: 'log-small', log: { storage: BOUNDARY_STORAGE.smallest } },
        { name: 'log-large', log: { storage: BOUNDARY_STORAGE.largestMapped } },
      ],
    },
  });
  if (!validated.ok) assert.fail(`admission refuses the boundary values: ${JSON.stringify(validated.errors)}`);
  const groups = validated.cluster.spec.partitionGroups ?? [];
  return toHocon({
    cluster: clusterConfig('limits', 'limits-service.default.svc.cluster.local'),
    managementGroup: managementGroupConfig([MEMBER], validated.cluster.spec.managementGroup.storage),
    partitionGroups: Object.fromEntries(
      groups.map((group) => [group.name, group.raft ? raftGroupConfig(group.raft, 1, [MEMBER]) : logGroupConfig(group.log ?? assert.fail('a log group'), 1)]),
    ),
  });
}

test('Atomix 3.1.12 starts with every storage and compaction boundary admission accepts, and writes through them', { timeout: 600_000 }, async (t) => {
  const runtime = await resolveRuntime(new LocalImageStore(), 'atomix/atomix:3.1.12');
  const node = await bootImage(runtime, { member: MEMBER, config: boundaryConfig() });
  t.diagnostic(`started in ${(node.startMs / 1000).toFixed(1)} s`);
  try {
    for (const group of ['raft-small', 'raft-large']) {
      const counter = `/v1/atomic-counter/${group}`;
      const created = await fetch(`${node.httpUrl}${counter}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ protocol: { type: 'multi-raft', group } }),
        signal: AbortSignal.timeout(60_000),
      });
      assert.equal(created.status, 200, `the counter of ${group} is created`);
      assert.equal(await post(node, `${counter}/inc`), '1', `a counter in ${group}`);
    }
  } finally {
    await node.stop();
  }
});
