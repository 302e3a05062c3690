// atomix.conf as each group gets it: the exact text (the pods' config-hash annotation is taken
// over these bytes, so a change of format alone would restart every pod of every cluster), the
// group settings of each protocol as Atomix names them, and the cluster domain in every address.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster, type RenderOptions } from '../../../src/render/index.js';
import { findObject, validCluster } from './rendered-cluster.js';

/** A partition group as the spec gives it. */
interface GroupSpec {
  readonly name: string;
  readonly [field: string]: unknown;
}

const configText = (spec: object, configMap: string, options?: RenderOptions) =>
  findObject(renderCluster(validCluster(spec), options), 'ConfigMap', configMap).data?.['atomix.conf'];
const groupConfig = (group: GroupSpec) =>
  (JSON.parse(configText({ partitionGroups: [group] }, `example-atomixcluster-${group.name}-config`) ?? '') as { partitionGroups: Record<string, unknown> })
    .partitionGroups[group.name];

describe('atomix.conf', () => {
  test('is JSON indented by two spaces, ending in a newline', () => {
    assert.equal(
      configText({ managementGroup: { size: 2 } }, 'example-atomixcluster-management-config'),
      `{
  "cluster": {
    "clusterId": "example-atomixcluster",
    "discovery": {
      "type": "dns",
      "service": "example-atomixcluster-service.default.svc.cluster.local"
    }
  },
  "managementGroup": {
    "type": "raft",
    "partitions": 1,
    "members": [
      "example-atomixcluster-management-0",
      "example-atomixcluster-management-1"
    ],
    "storage": {
      "level": "mapped",
      "segmentSize": "64M",
      "maxEntrySize": "1M",
      "flushOnCommit": false
    }
  }
}
`,
    );
  });

  const storage = { level: 'mapped', segmentSize: '32M', entrySize: '2M', flushOnCommit: true };
  const atomixStorage = { level: 'mapped', segmentSize: '32M', maxEntrySize: '2M', flushOnCommit: true };
  const GROUPS: readonly (readonly [why: string, group: GroupSpec, config: object])[] = [
    [
      'a Raft group: partitions, partitionSize, members, storage (entrySize as maxEntrySize) and compaction as given',
      { name: 'r', size: 4, partitions: 6, raft: { partitionSize: 2, storage, compaction: { dynamic: false, freeDiskBuffer: 0.3, freeMemoryBuffer: 0.4 } } },
      {
        type: 'raft',
        partitions: 6,
        partitionSize: 2,
        members: ['example-atomixcluster-r-0', 'example-atomixcluster-r-1', 'example-atomixcluster-r-2', 'example-atomixcluster-r-3'],
        storage: atomixStorage,
        compaction: { dynamic: false, freeDiskBuffer: 0.3, freeMemoryBuffer: 0.4 },
      },
    ],
    [
      'a log group: no member list, its strategy, storage and compaction by size and age',
      { name: 'l', size: 2, log: { memberGroupStrategy: 'rack-aware', storage, compaction: { size: '2G', age: '1h' } } },
      { type: 'log', partitions: 2, memberGroupStrategy: 'rack-aware', storage: atomixStorage, compaction: { size: '2G', age: '1h' } },
    ],
    [
      'a log group without a compaction age has none',
      { name: 'l', size: 2, log: {} },
      {
        type: 'log',
        partitions: 2,
        memberGroupStrategy: 'node-aware',
        storage: { level: 'mapped', segmentSize: '64M', maxEntrySize: '1M', flushOnCommit: false },
        compaction: { size: '1G' },
      },
    ],
    [
      'a primary-backup group: partitions and strategy only (it keeps no storage)',
      { name: 'p', size: 3, primaryBackup: { memberGroupStrategy: 'zone-aware' } },
      { type: 'primary-backup', partitions: 3, memberGroupStrategy: 'zone-aware' },
    ],
  ];
  for (const [why, group, config] of GROUPS) {
    test(why, () => assert.deepEqual(groupConfig(group), config));
  }

  test('the benchmark\'s configuration names the cluster only: its pods are clients', () => {
    assert.deepEqual(JSON.parse(configText({ benchmark: { size: 1 } }, 'example-atomixcluster-bench-config') ?? ''), {
      cluster: {
        clusterId: 'example-atomixcluster',
        discovery: { type: 'dns', service: 'example-atomixcluster-service.default.svc.cluster.local' },
      },
    });
  });
});

describe('the cluster domain', () => {
  const spec = { benchmark: { size: 1 } };
  const serviceOf = (text: string | undefined) => (JSON.parse(text ?? '') as { cluster: { discovery: { service: string } } }).cluster.discovery.service;
  const addresses = (options?: RenderOptions) =>
    renderCluster(validCluster(spec, { namespace: 'prod' }), options)
      .filter(isKind('StatefulSet'))
      .map((sts) => {
        const args = sts.spec?.template.spec?.containers[0]?.args ?? [];
        return args[args.indexOf('--address') + 1];
      });

  test('is cluster.local unless the operator is told another', () => {
    assert.equal(serviceOf(configText(spec, 'example-atomixcluster-raft-config')), 'example-atomixcluster-service.default.svc.cluster.local');
    assert.deepEqual(addresses(), [
      '$(POD_NAME).example-atomixcluster-service.prod.svc.cluster.local:5679',
      '$(POD_NAME).example-atomixcluster-service.prod.svc.cluster.local:5679',
      '$(POD_NAME).example-atomixcluster-bench.prod.svc.cluster.local:5679',
      '$(POD_NAME).example-atomixcluster-bench.prod.svc.cluster.local:5679',
    ]);
  });

  test('ends the discovery service name and every pod address', () => {
    const options = { clusterDomain: 'edge.example.org' };
    for (const configMap of ['management', 'raft', 'bench'].map((group) => `example-atomixcluster-${group}-config`)) {
      assert.equal(serviceOf(configText(spec, configMap, options)), 'example-atomixcluster-service.default.svc.edge.example.org', configMap);
    }
    assert.ok(addresses(options).every((address) => address?.endsWith('.prod.svc.edge.example.org:5679')), addresses(options).join(' '));
  });
});
