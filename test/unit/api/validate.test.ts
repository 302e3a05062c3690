import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster, validateClusterUpdate, type FieldError } from '../../../src/api/validate.js';
import { mergePatch, readManifest } from '../../support/manifests.js';
import { EXTENDED_RESOURCES, NON_CANONICAL_RESOURCES, REJECTED_VALUES } from '../../support/value-cases.js';
import { ACCEPTED_CHANGES, changedSpec, REFUSED_CHANGES, seedManifest, type ChangeCase } from '../../support/change-cases.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const withSpec = (spec: object) => mergePatch(example, { spec });
const errorsOf = (input: unknown): readonly FieldError[] => {
  const result = validateCluster(input);
  if (result.ok) assert.fail('expected the input to be rejected');
  return result.errors;
};

describe('defaults', () => {
  test('the README example gets the original operator defaults', () => {
    const result = validateCluster(example);
    assert.ok(result.ok);
    const { spec } = result.cluster;
    assert.equal(spec.version, '3.1.0');
    assert.deepEqual(spec.managementGroup.storage, {
      className: 'fast-disks',
      size: '2G',
      segmentSize: '64M',
      entrySize: '1M',
      level: 'mapped',
      flushOnCommit: false,
    });
    const raft = spec.partitionGroups?.[0]?.raft;
    assert.equal(raft?.partitionSize, 3);
    assert.deepEqual(raft.compaction, { dynamic: true, freeDiskBuffer: 0.2, freeMemoryBuffer: 0.2 });
  });

  test('an empty spec becomes a one-node management group of the default version', () => {
    const result = validateCluster({ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', metadata: { name: 'c' }, spec: {} });
    assert.ok(result.ok);
    assert.equal(result.cluster.spec.version, '3.1.12');
    assert.equal(result.cluster.spec.managementGroup.size, 1);
    assert.equal(result.cluster.spec.managementGroup.storage.size, '2G');
  });

  test('primary-backup and log groups default to node-aware member groups', () => {
    const result = validateCluster(
      withSpec({ partitionGroups: [{ name: 'pb', primaryBackup: {} }, { name: 'log', size: 3, log: {} }] }),
    );
    assert.ok(result.ok);
    const [pb, log] = result.cluster.spec.partitionGroups ?? [];
    assert.equal(pb?.primaryBackup?.memberGroupStrategy, 'node-aware');
    assert.equal(pb.size, 1);
    assert.equal(log?.log?.memberGroupStrategy, 'node-aware');
    assert.equal(log.log.compaction.size, '1G');
    assert.equal(log.log.storage.level, 'mapped');
  });

  test('validation does not modify its input', () => {
    const input = withSpec({ partitionGroups: [{ name: 'pb', primaryBackup: {} }] });
    const before = JSON.stringify(input);
    validateCluster(input);
    assert.equal(JSON.stringify(input), before);
  });
});

describe('every seed example is accepted as written', () => {
  for (const patch of ['atomixcluster_cr_raft.yaml', 'atomixcluster_cr_primary_backup.yaml', 'atomixcluster_cr_log.yaml', 'atomixcluster_cr_bench.yaml']) {
    test(patch, () => {
      const result = validateCluster(mergePatch(example, readManifest(`deploy/crds/${patch}`)));
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    });
  }
});

const RESERVED = 'name must not be one of system, management, service, bench, bench-worker, bench-coordinator: those names are taken by Atomix or by the operator\'s own objects';

const notAnObject = [{ field: '', message: 'expected an object (an AtomixCluster manifest)' }];
const badInputs: { name: string; input: unknown; errors: FieldError[] }[] = [
  { name: 'null instead of a manifest', input: null, errors: notAnObject },
  { name: 'a string instead of a manifest', input: 'apiVersion: agent.atomix.io/v1alpha1', errors: notAnObject },
  { name: 'a list instead of a manifest', input: [example], errors: notAnObject },
  {
    name: 'no protocol',
    input: withSpec({ partitionGroups: [{ name: 'g' }] }),
    errors: [{ field: 'spec.partitionGroups[0]', message: 'a partition group needs exactly one protocol: raft, primaryBackup or log' }],
  },
  {
    name: 'two protocols',
    input: withSpec({ partitionGroups: [{ name: 'g', raft: {}, log: {} }] }),
    errors: [{ field: 'spec.partitionGroups[0]', message: 'a partition group needs exactly one protocol: raft, primaryBackup or log' }],
  },
  {
    name: 'duplicate group names',
    input: withSpec({ partitionGroups: [{ name: 'g', raft: {} }, { name: 'g', primaryBackup: {} }] }),
    errors: [{ field: 'spec.partitionGroups', message: 'partition group names must be unique' }],
  },
  {
    name: 'Atomix\'s own group name',
    input: withSpec({ partitionGroups: [{ name: 'system', raft: {} }] }),
    errors: [{ field: 'spec.partitionGroups[0].name', message: RESERVED }],
  },
  {
    name: 'a name that collides with the management StatefulSet',
    input: withSpec({ partitionGroups: [{ name: 'management', raft: {} }] }),
    errors: [{ field: 'spec.partitionGroups[0].name', message: RESERVED }],
  },
  {
    name: 'a name that collides with the discovery service',
    input: withSpec({ partitionGroups: [{ name: 'service', primaryBackup: {} }] }),
    errors: [{ field: 'spec.partitionGroups[0].name', message: RESERVED }],
  },
  {
    name: 'a group name that is not a DNS label',
    input: withSpec({ partitionGroups: [{ name: 'Raft_1', raft: {} }] }),
    errors: [{ field: 'spec.partitionGroups[0].name', message: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter' }],
  },
  {
    name: 'size 0 and partitions 0',
    input: withSpec({ managementGroup: { size: 0 }, partitionGroups: [{ name: 'g', partitions: 0, raft: {} }] }),
    errors: [
      { field: 'spec.managementGroup.size', message: 'must be >= 1' },
      { field: 'spec.partitionGroups[0].partitions', message: 'must be >= 1' },
    ],
  },
  {
    name: 'malformed quantities and sizes',
    input: withSpec({
      managementGroup: { storage: { size: 'two gigs', segmentSize: '64 megs' } },
      partitionGroups: [{ name: 'g', resources: { limits: { memory: '1 GB' } }, raft: {} }],
    }),
    errors: [
      { field: 'spec.managementGroup.storage.size', message: 'must be a Kubernetes quantity such as 2G, 10Gi, 500m or 1' },
      { field: 'spec.managementGroup.storage.segmentSize', message: 'must be a memory size such as 64M, 1K, 512KiB or 1MB' },
      { field: 'spec.partitionGroups[0].resources.limits.memory', message: 'must be a Kubernetes quantity such as 2G, 10Gi, 500m or 1' },
    ],
  },
  {
    name: 'unknown enum values',
    input: withSpec({ partitionGroups: [{ name: 'g', primaryBackup: { memberGroupStrategy: 'rack' } }, { name: 'h', raft: { storage: { level: 'memory' } } }] }),
    errors: [
      { field: 'spec.partitionGroups[0].primaryBackup.memberGroupStrategy', message: 'must be one of: node-aware, host-aware, rack-aware, zone-aware' },
      { field: 'spec.partitionGroups[1].raft.storage.level', message: 'must be one of: disk, mapped' },
    ],
  },
  {
    name: 'unknown fields, such as a typo',
    input: withSpec({ managementGroup: { sise: 3 } }),
    errors: [{ field: 'spec.managementGroup.sise', message: 'unknown field' }],
  },
  {
    name: 'env that would override node identity',
    input: withSpec({ managementGroup: { env: [{ name: 'POD_NAME', value: 'x' }] } }),
    errors: [{ field: 'spec.managementGroup.env', message: 'env must not set POD_NAME, POD_NAMESPACE, NODE_NAME: the operator sets them to give each node its identity' }],
  },
  {
    name: 'a cluster name too long for its StatefulSet names',
    input: mergePatch(example, { metadata: { name: 'a'.repeat(42) } }),
    errors: [{ field: 'metadata.name', message: 'metadata.name must be at most 41 characters: the StatefulSet {name}-management must fit Kubernetes\' 52-character limit' }],
  },
  {
    name: 'a group name too long for this cluster\'s name',
    input: mergePatch(example, { metadata: { name: 'a'.repeat(41) }, spec: { partitionGroups: [{ name: 'b'.repeat(11), raft: {} }] } }),
    errors: [{ field: 'spec.partitionGroups', message: 'partition group name too long for this cluster: the StatefulSet {cluster}-{group} must fit Kubernetes\' 52-character limit' }],
  },
  {
    name: 'a benchmark on a cluster whose name is too long for the coordinator',
    input: mergePatch(example, { metadata: { name: 'a'.repeat(35) }, spec: { benchmark: {} } }),
    errors: [{ field: 'spec.benchmark', message: 'metadata.name must be at most 34 characters when spec.benchmark is set: the StatefulSet {name}-bench-coordinator must fit Kubernetes\' 52-character limit' }],
  },
  {
    name: 'a cluster name that cannot prefix a Service name',
    input: mergePatch(example, { metadata: { name: '1cluster' } }),
    errors: [{ field: 'metadata.name', message: 'metadata.name must start with a letter and contain only lowercase letters, digits and "-": it prefixes Service names' }],
  },
  {
    name: 'the wrong kind',
    input: mergePatch(example, { kind: 'PartitionGroup' }),
    errors: [{ field: 'kind', message: 'must be AtomixCluster, got "PartitionGroup"' }],
  },
];

describe('bad inputs are rejected with every problem named by field', () => {
  for (const { name, input, errors } of badInputs) {
    test(name, () => assert.deepEqual(errorsOf(input), errors));
  }
});

describe('values the API server would rewrite or refuse', () => {
  for (const { name, spec, field } of REJECTED_VALUES) {
    test(`${name} is rejected at ${field}`, () => {
      const errors = errorsOf(withSpec(spec));
      assert.ok(errors.some((e) => e.field === field), `expected an error at ${field}, got ${JSON.stringify(errors)}`);
    });
  }

  test('non-canonical but meaningful quantities and extended resources are accepted', () => {
    for (const resources of [NON_CANONICAL_RESOURCES, EXTENDED_RESOURCES]) {
      const result = validateCluster(withSpec({ managementGroup: { resources }, partitionGroups: [{ name: 'raft', raft: { storage: { size: '1.5Gi' } } }] }));
      assert.ok(result.ok, JSON.stringify(result.ok || result.errors));
    }
  });
});

describe('changes Atomix 3.1 cannot take in place are refused on update, each at its field', () => {
  function update({ seed, change }: ChangeCase) {
    const stored = validateCluster(seedManifest(seed));
    assert.ok(stored.ok);
    const next = { ...stored.cluster, spec: changedSpec(stored.cluster.spec, change) };
    assert.ok(validateCluster(next).ok, 'the new spec is valid on its own: only the change is refused');
    return validateClusterUpdate(stored.cluster, next);
  }

  for (const refused of REFUSED_CHANGES) {
    test(`${refused.name}: refused at ${refused.field}`, () => {
      const result = update(refused);
      assert.ok(!result.ok, 'the change was accepted');
      assert.deepEqual(result.errors.map((e) => e.field), [refused.field]);
      assert.match(result.errors[0]?.message ?? '', /cannot change|can only grow/);
      assert.match(result.errors[0]?.message ?? '', /restore the previous|with a new name|new AtomixCluster/, 'the message says what to do instead');
    });
  }

  for (const accepted of ACCEPTED_CHANGES) {
    test(`${accepted.name}: accepted`, () => {
      const result = update(accepted);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    });
  }

  test('an unchanged cluster is accepted, and an invalid new spec reports its own errors only', () => {
    const stored = validateCluster(seedManifest());
    assert.ok(stored.ok);
    assert.ok(validateClusterUpdate(stored.cluster, stored.cluster).ok);
    const invalid = mergePatch(stored.cluster, { spec: { managementGroup: { size: 0 } } });
    const result = validateClusterUpdate(stored.cluster, invalid);
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'spec.managementGroup.size', message: 'must be >= 1' }]);
  });
});
