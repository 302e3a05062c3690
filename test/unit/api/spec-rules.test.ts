// The rules on names, protocols, env and versions at admission, at each boundary: what is
// refused, at which field, with which message, and what is taken.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESERVED_GROUP_NAMES } from '../../../src/api/names.js';
import { refusals, verdict, type AdmissionCase } from './admission-table.js';

const NAME_PATTERN = 'metadata.name must start with a letter and contain only lowercase letters, digits and "-": it prefixes Service names';
const NAME_LENGTH = 'metadata.name must be at most 41 characters: the StatefulSet {name}-management must fit Kubernetes\' 52-character limit';
const NAME_WITH_BENCHMARK = 'metadata.name must be at most 34 characters when spec.benchmark is set: the StatefulSet {name}-bench-coordinator must fit Kubernetes\' 52-character limit';
const GROUP_NAME_LENGTH = 'partition group name too long for this cluster: the StatefulSet {cluster}-{group} must fit Kubernetes\' 52-character limit';
const ONE_PROTOCOL = 'a partition group needs exactly one protocol: raft, primaryBackup or log';
const UNIQUE = 'partition group names must be unique';
const RESERVED = `name must not be one of ${RESERVED_GROUP_NAMES.join(', ')}: those names are taken by Atomix or by the operator's own objects`;
const ENV = 'env must not set POD_NAME, POD_NAMESPACE, NODE_NAME: the operator sets them to give each node its identity';
const NEEDS_A_GROUP =
  'Atomix 3.1.0–3.1.5 never finishes starting without a partition group (its nodes wait for one forever): add a partition group, or use version 3.1.6 or later';
const BENCH_IMAGE = /^the benchmark needs spec\.benchmark\.image on Atomix 3\.1\.6 or later: .* or use version 3\.1\.0–3\.1\.5$/;

const named = (length: number) => ({ name: 'a'.repeat(length) });
const groups = (...list: object[]) => ({ partitionGroups: list });
const raft = (name: string) => ({ name, raft: {} });

const CASES: readonly AdmissionCase[] = [
  // The cluster's name.
  { name: 'a one-letter cluster name', metadata: { name: 'a' }, spec: {}, refused: {} },
  { name: 'a cluster name with digits and dashes', metadata: { name: 'a-1-b2' }, spec: {}, refused: {} },
  { name: 'a cluster name ending in a dash', metadata: { name: 'a-' }, spec: {}, refused: { 'metadata.name': [NAME_PATTERN] } },
  { name: 'a cluster name in capitals', metadata: { name: 'Atomix' }, spec: {}, refused: { 'metadata.name': [NAME_PATTERN] } },
  { name: 'a cluster name of 41 characters', metadata: named(41), spec: groups(raft('r')), refused: {} },
  { name: 'a cluster name of 42 characters', metadata: named(42), spec: groups(raft('r')), refused: { 'metadata.name': [NAME_LENGTH] } },
  { name: 'a benchmark on a name of 34 characters', metadata: named(34), spec: { benchmark: {} }, refused: {} },
  { name: 'a benchmark on a name of 35 characters', metadata: named(35), spec: { benchmark: {} }, refused: { 'spec.benchmark': [NAME_WITH_BENCHMARK] } },
  { name: 'no benchmark on a name of 41 characters', metadata: named(41), spec: { benchmark: null }, refused: {} },
  { name: 'cluster and group names of 51 characters together', metadata: named(40), spec: groups(raft('r'), raft('b'.repeat(11))), refused: {} },
  { name: 'cluster and group names of 52 characters together', metadata: named(40), spec: groups(raft('r'), raft('b'.repeat(12))), refused: { 'spec.partitionGroups': [GROUP_NAME_LENGTH] } },
  { name: 'a long group name on a short cluster name', metadata: named(1), spec: groups(raft('b'.repeat(50))), refused: {} },
  // A group's protocol and name.
  { name: 'raft and primaryBackup', spec: groups({ name: 'g', raft: {}, primaryBackup: {} }), refused: { 'spec.partitionGroups[0]': [ONE_PROTOCOL] } },
  { name: 'primaryBackup and log', spec: groups({ name: 'g', primaryBackup: {}, log: {} }), refused: { 'spec.partitionGroups[0]': [ONE_PROTOCOL] } },
  { name: 'all three protocols', spec: groups({ name: 'g', raft: {}, primaryBackup: {}, log: {} }), refused: { 'spec.partitionGroups[0]': [ONE_PROTOCOL] } },
  { name: 'only primaryBackup', spec: groups({ name: 'g', primaryBackup: {} }), refused: {} },
  { name: 'only log', spec: groups({ name: 'g', log: {} }), refused: {} },
  { name: 'the second group without a protocol', spec: groups(raft('r'), { name: 'g' }), refused: { 'spec.partitionGroups[1]': [ONE_PROTOCOL] } },
  ...RESERVED_GROUP_NAMES.map((name) => ({ name: `the group name ${name}`, spec: groups(raft('r'), raft(name)), refused: { 'spec.partitionGroups[1].name': [RESERVED] } })),
  { name: 'a name that only starts like a reserved one', spec: groups(raft('bench-workers'), raft('systems')), refused: {} },
  { name: 'three groups, two of one name', spec: groups(raft('a'), raft('b'), { name: 'a', log: {} }), refused: { 'spec.partitionGroups': [UNIQUE] } },
  // env.
  ...['POD_NAME', 'POD_NAMESPACE', 'NODE_NAME'].map((name) => ({
    name: `env ${name} on a partition group`,
    spec: groups({ name: 'r', raft: {}, env: [{ name: 'JAVA_OPTS', value: '-Xmx1g' }, { name, value: 'x' }] }),
    refused: { 'spec.partitionGroups[0].env': [ENV] },
  })),
  { name: 'env names that only contain a reserved one', spec: { managementGroup: { env: [{ name: 'MY_POD_NAME', value: 'x' }, { name: 'NODE_NAMES', value: 'y' }] } }, refused: {} },
  { name: 'env POD_NAME on the benchmark', spec: { version: '3.1.5', benchmark: { env: [{ name: 'POD_NAME', value: 'x' }] } }, refused: { 'spec.benchmark.env': [ENV] } },
  // What a version needs.
  ...['3.1.0', '3.1.5'].map((version) => ({ name: `no partition group on ${version}`, spec: { version, partitionGroups: [] }, refused: { 'spec.partitionGroups': [NEEDS_A_GROUP] } })),
  ...['3.1.6', '3.1.12'].map((version) => ({ name: `no partition group on ${version}`, spec: { version, partitionGroups: [] }, refused: {} })),
  { name: 'the benchmark on 3.1.5 without an image', spec: { version: '3.1.5', benchmark: { size: 2 } }, refused: {} },
];

describe('names, protocols, env and versions', () => {
  for (const { name, spec, metadata, refused } of CASES) {
    test(`${name}: ${verdict(refused)}`, () => assert.deepEqual(refusals(spec, metadata), refused));
  }

  for (const version of ['3.1.6', '3.1.9', '3.1.12']) {
    test(`the benchmark on ${version} needs an image`, () => {
      const found = refusals({ version, benchmark: { size: 1 } });
      assert.deepEqual(Object.keys(found), ['spec.benchmark']);
      assert.match(found['spec.benchmark']?.[0] ?? '', BENCH_IMAGE);
      assert.deepEqual(refusals({ version, benchmark: { size: 1, image: 'registry.example.com/atomix-bench:3' } }), {});
    });
  }
});
