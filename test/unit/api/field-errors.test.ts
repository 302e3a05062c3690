// How validateCluster reports a problem: the field path in kubectl's notation (indices, map keys,
// keys with "/" or "~"), one message per schema keyword, and no crash on values of the wrong type.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster } from '../../../src/api/validate.js';
import { manifest, refusals, verdict, type AdmissionCase } from './admission-table.js';

const LABEL_VALUE = 'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
const M = 'spec.managementGroup';
const tolerations = (count: number, last: object) => [...Array.from({ length: count }, (_, i) => ({ key: `k${String(i)}`, operator: 'Exists' })), last];

const CASES: readonly AdmissionCase[] = [
  { name: 'a label key with a "/"', spec: { managementGroup: { labels: { 'example.com/tier': 'a b' } } }, refused: { [`${M}.labels.example.com/tier`]: [LABEL_VALUE] } },
  { name: 'an annotation key with a "~"', spec: { managementGroup: { annotations: { 'a~b': 'x'.repeat(16_385) } } }, refused: { [`${M}.annotations.a~b`]: ['must NOT have more than 16384 characters'] } },
  { name: 'a label key ending in a digit', spec: { managementGroup: { labels: { zone1: '-' } } }, refused: { [`${M}.labels.zone1`]: [LABEL_VALUE] } },
  { name: 'a label key starting with a digit', spec: { managementGroup: { labels: { '1zone': '-' } } }, refused: { [`${M}.labels.1zone`]: [LABEL_VALUE] } },
  { name: 'the eleventh toleration', spec: { managementGroup: { tolerations: tolerations(10, { key: 'k', effect: 'Never' }) } }, refused: { [`${M}.tolerations[10].effect`]: ['must be one of: NoSchedule, PreferNoSchedule, NoExecute'] } },
  { name: 'a rule on the eleventh toleration', spec: { managementGroup: { tolerations: tolerations(10, { operator: 'Equal' }) } }, refused: { [`${M}.tolerations[10]`]: ['operator must be Exists when key is empty (which tolerates every taint)'] } },
  { name: 'a resource value rule names the map key', spec: { managementGroup: { resources: { limits: { 'hugepages-2Mi': '0' } } } }, refused: { [`${M}.resources.limits[hugepages-2Mi]`]: ['must be greater than zero'] } },
  {
    name: 'a required field is missing',
    spec: { managementGroup: { topologySpreadConstraints: [{ maxSkew: 1 }] } },
    refused: {
      [`${M}.topologySpreadConstraints[0].topologyKey`]: ['required field is missing'],
      [`${M}.topologySpreadConstraints[0].whenUnsatisfiable`]: ['required field is missing'],
    },
  },
  { name: 'a pattern without a meaning of its own', spec: { managementGroup: { env: [{ name: '1A' }] } }, refused: { [`${M}.env[0].name`]: ['must match ^[-._a-zA-Z][-._a-zA-Z0-9]*$'] } },
  { name: 'env as a string', spec: { managementGroup: { env: 'JAVA_OPTS=-Xmx1g' } }, refused: { [`${M}.env`]: ['must be array'] } },
  { name: 'labels as a list', spec: { managementGroup: { labels: ['team'] } }, refused: { [`${M}.labels`]: ['must be object'] } },
  { name: 'resources as a number', spec: { managementGroup: { resources: 2 } }, refused: { [`${M}.resources`]: ['must be object'] } },
  { name: 'labels as a string', spec: { managementGroup: { labels: 'app' } }, refused: { [`${M}.labels`]: ['must be object'] } },
  { name: 'partition groups as an object', spec: { version: '3.1.6', partitionGroups: { name: 'raft', raft: {} } }, refused: { 'spec.partitionGroups': ['must be array'] } },
  {
    name: 'a resource value of neither type',
    spec: { managementGroup: { resources: { limits: { cpu: true } } } },
    refused: { [`${M}.resources.limits.cpu`]: ['must be integer', 'must be string', 'must match a schema in anyOf'] },
  },
  { name: 'an env value from a field, kept as given', spec: { managementGroup: { env: [{ name: 'ZONE', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }] } }, refused: {} },
  { name: 'a cluster name rule names metadata.name', spec: {}, metadata: { name: 'x_y' }, refused: { 'metadata.name': ['metadata.name must start with a letter and contain only lowercase letters, digits and "-": it prefixes Service names'] } },
];

describe('field paths and messages', () => {
  for (const { name, spec, metadata, refused } of CASES) {
    test(`${name}: ${verdict(refused)}`, () => assert.deepEqual(refusals(spec, metadata), refused));
  }

  test('a field given as null (an empty YAML key) is a type error, not a crash', () => {
    const input = manifest({});
    const spec = (input as { spec: Record<string, unknown> }).spec;
    const cases: [object, string, string][] = [
      [{ managementGroup: { storage: null } }, `${M}.storage`, 'must be object'],
      [{ managementGroup: { env: null } }, `${M}.env`, 'must be array'],
      [{ managementGroup: { labels: null } }, `${M}.labels`, 'must be object'],
      [{ partitionGroups: [null] }, 'spec.partitionGroups[0]', 'must be object'],
    ];
    for (const [patch, field, message] of cases) {
      const result = validateCluster({ ...(input as object), spec: { ...spec, ...patch } });
      assert.ok(!result.ok, field);
      assert.deepEqual(result.errors.map((e) => [e.field, e.message]), [[field, message]]);
    }
  });

  test('a resource map given as a string is a type error, and its characters are not read as values', () => {
    const found = refusals({ managementGroup: { resources: { limits: '0' } } });
    assert.ok(found[`${M}.resources.limits`]?.includes('must be object'));
    assert.deepEqual(Object.keys(found), [`${M}.resources.limits`]);
  });

  test('the env value source is kept as given', () => {
    const valueFrom = { secretKeyRef: { name: 'creds', key: 'token' } };
    const result = validateCluster(manifest({ spec: { managementGroup: { env: [{ name: 'TOKEN', valueFrom }] } } }));
    assert.ok(result.ok);
    assert.deepEqual(result.cluster.spec.managementGroup.env, [{ name: 'TOKEN', valueFrom }]);
  });
});

describe('the manifest\'s identity is checked first', () => {
  test('apiVersion and kind are both named, and nothing else is checked', () => {
    const result = validateCluster(manifest({ apiVersion: 'v1', kind: 'Pod', spec: { managementGroup: { size: 0 } } }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [
      { field: 'apiVersion', message: 'must be agent.atomix.io/v1alpha1, got "v1"' },
      { field: 'kind', message: 'must be AtomixCluster, got "Pod"' },
    ]);
  });

  test('a missing apiVersion says so', () => {
    const result = validateCluster(manifest({ apiVersion: null }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'apiVersion', message: 'must be agent.atomix.io/v1alpha1, got undefined' }]);
  });

  test('a manifest without spec misses it', () => {
    const result = validateCluster(manifest({ spec: null }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'spec', message: 'required field is missing' }]);
  });

  test('several problems are reported once each, schema errors before rule errors', () => {
    const result = validateCluster(
      manifest({ metadata: { name: 'A' }, spec: { managementGroup: { size: 0, sise: 1 }, partitionGroups: [{ name: 'system', raft: {} }] } }),
    );
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((e) => e.field), ['spec.managementGroup.sise', 'spec.managementGroup.size', 'metadata.name', 'spec.partitionGroups[0].name']);
  });
});
