import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster } from '../../../src/api/validate.js';
import { memorySizeBytes, memorySizeBytesCel } from '../../../src/api/memory-size.js';
import { ATOMIX_VERSIONS } from '../../../src/api/versions.js';
import { mergePatch, readManifest } from '../../support/manifests.js';
import { BOUNDARY_COMPACTION, BOUNDARY_STORAGE } from '../../support/value-cases.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const accepts = (spec: object) => {
  const result = validateCluster(mergePatch(example, { spec }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.cluster;
};

describe('memory sizes as Atomix reads them', () => {
  for (const [size, bytes] of [
    ['0', 0], ['65', 65], ['65B', 65], ['1K', 1024], ['1k', 1024], ['1Ki', 1024], ['1KiB', 1024], ['1kB', 1000],
    ['64M', 67_108_864], ['64m', 67_108_864], ['64Mi', 67_108_864], ['64MiB', 67_108_864], ['64MB', 64_000_000],
    ['2G', 2 ** 31], ['2g', 2 ** 31], ['2Gi', 2 ** 31], ['2GiB', 2 ** 31], ['2GB', 2e9], ['99999G', 99_999 * 2 ** 30],
  ] as const) {
    test(`${size} is ${String(bytes)} bytes`, () => assert.equal(memorySizeBytes(size), bytes));
  }

  for (const text of ['', 'M', '1 M', '1TB', '1.5M', '-1K']) {
    test(`${JSON.stringify(text)} is not a memory size`, () => assert.throws(() => memorySizeBytes(text), /not a memory size/));
  }

  test('the CEL twin tests the longer units first, so KiB is not read as B', () => {
    const cel = memorySizeBytesCel('s');
    const order = ['KiB', 'Ki', 'kB', 'K'].map((unit) => cel.indexOf(`s.endsWith('${unit}')`));
    assert.ok(order.every((index) => index >= 0));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.ok(cel.indexOf("s.endsWith('B')") > cel.indexOf("s.endsWith('GB')"));
  });
});

describe('what Atomix accepts at the edges is accepted', () => {
  for (const [name, storage] of Object.entries(BOUNDARY_STORAGE)) {
    test(`storage ${name}: ${JSON.stringify(storage)}`, () => {
      accepts({ managementGroup: { storage }, partitionGroups: [{ name: 'raft', raft: { storage } }, { name: 'log', log: { storage } }] });
    });
  }
  for (const [name, compaction] of Object.entries(BOUNDARY_COMPACTION)) {
    test(`compaction ${name}: ${JSON.stringify(compaction)}`, () => {
      accepts({ partitionGroups: [{ name: 'raft', raft: { compaction } }] });
    });
  }
});

describe('versions', () => {
  test('every 3.1 release is accepted, and the default is 3.1.12', () => {
    for (const version of ATOMIX_VERSIONS) assert.equal(accepts({ version }).spec.version, version);
    assert.deepEqual(ATOMIX_VERSIONS.at(0), '3.1.0');
    assert.deepEqual(ATOMIX_VERSIONS.at(-1), '3.1.12');
    assert.equal(accepts({ version: null }).spec.version, '3.1.12');
  });

  test('a cluster without partition groups from 3.1.6 on', () => {
    assert.deepEqual(accepts({ version: '3.1.6', partitionGroups: null }).spec.partitionGroups, undefined);
  });

  test('the benchmark with atomix-bench:latest up to 3.1.5, with a named bench image after', () => {
    assert.equal(accepts({ version: '3.1.5', benchmark: { size: 1 } }).spec.benchmark?.image, undefined);
    assert.equal(accepts({ version: '3.1.12', benchmark: { image: 'registry.example.com/atomix-bench:3.1.12' } }).spec.benchmark?.image, 'registry.example.com/atomix-bench:3.1.12');
  });

  test('the refusals explain themselves', () => {
    const result = validateCluster(mergePatch(example, { spec: { version: '3.1.6', partitionGroups: null, benchmark: { size: 1 } } }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((e) => e.field), ['spec.benchmark']);
    assert.match(result.errors[0]?.message ?? '', /atomix-bench exists only as :latest, built on a 3\.1\.1 snapshot .* use version 3\.1\.0–3\.1\.5$/);
    const noGroup = validateCluster(mergePatch(example, { spec: { partitionGroups: null } }));
    assert.ok(!noGroup.ok);
    assert.match(noGroup.errors[0]?.message ?? '', /^Atomix 3\.1\.0–3\.1\.5 never finishes starting without a partition group/);
  });

  test('a version outside 3.1.0 … 3.1.12 is refused with the list of known ones', () => {
    const result = validateCluster(mergePatch(example, { spec: { version: 'latest' } }));
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'spec.version', message: `must be one of: ${ATOMIX_VERSIONS.join(', ')}` }]);
  });
});
