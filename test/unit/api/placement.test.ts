import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster } from '../../../src/api/validate.js';
import { mergePatch, readManifest } from '../../support/manifests.js';
import { FULL_PLACEMENT, REJECTED_PLACEMENTS } from '../../support/placement-cases.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const withSpec = (spec: object) => mergePatch(example, { spec });

describe('placement and pod metadata fields', () => {
  test('every field is accepted on the management group, a partition group and the benchmark, and kept as given', () => {
    const result = validateCluster(
      withSpec({ managementGroup: FULL_PLACEMENT, partitionGroups: [{ name: 'raft', raft: {}, ...FULL_PLACEMENT }], benchmark: FULL_PLACEMENT }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    const { managementGroup, partitionGroups, benchmark } = result.cluster.spec;
    for (const group of [managementGroup, partitionGroups?.[0], benchmark]) {
      assert.ok(group);
      for (const [field, value] of Object.entries(FULL_PLACEMENT)) assert.deepEqual(group[field as keyof typeof group], value, field);
    }
  });

  for (const { name, spec, field } of REJECTED_PLACEMENTS) {
    test(`${name} is rejected at ${field}`, () => {
      const result = validateCluster(withSpec(spec));
      assert.ok(!result.ok, 'accepted');
      assert.ok(result.errors.some((e) => e.field === field), `expected an error at ${field}, got ${JSON.stringify(result.errors)}`);
    });
  }

  test('the messages name what is wrong', () => {
    const result = validateCluster(withSpec({ managementGroup: { labels: { type: 'x' }, serviceAccountName: 'A', tolerations: [{ operator: 'Equal' }] } }));
    assert.ok(!result.ok);
    const messages = Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
    assert.match(messages['spec.managementGroup.labels'] ?? '', /^labels must not use the keys app, type, group, .*: the operator and the StatefulSet controller set those$/);
    assert.match(messages['spec.managementGroup.serviceAccountName'] ?? '', /^must be a DNS subdomain/);
    assert.equal(messages['spec.managementGroup.tolerations[0]'], 'operator must be Exists when key is empty (which tolerates every taint)');
  });
});
