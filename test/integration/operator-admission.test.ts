// What the real API server (the generated CRD's schema and CEL rules) says about values that
// Kubernetes would rewrite or refuse further down: each is rejected with the same message and
// field path as `render`, and the meaningful ones are stored as given.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster } from '../../src/api/validate.js';
import { createTestNamespace } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, createCluster } from '../support/operator.js';
import { EXTENDED_RESOURCES, NON_CANONICAL_RESOURCES, REJECTED_VALUES } from '../support/value-cases.js';
import { assertRejectedAsRenderDoes } from '../support/admission.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');

describe('the API server rejects values Kubernetes would refuse, as render does', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('admission');
  for (const [index, rejected] of REJECTED_VALUES.entries()) {
    test(`${rejected.name}: rejected at ${rejected.field}`, async () => {
      const manifest = mergePatch(example, { metadata: { name: `rejected-${index}` }, spec: rejected.spec }) as object;
      await assertRejectedAsRenderDoes(admin, namespace, manifest, rejected);
    });
  }

  test('non-canonical quantities and extended resources are accepted and stored as given', async () => {
    for (const [index, resources] of [NON_CANONICAL_RESOURCES, EXTENDED_RESOURCES].entries()) {
      const manifest = mergePatch(example, { metadata: { name: `accepted-${index}` }, spec: { managementGroup: { resources } } }) as object;
      assert.ok(validateCluster(manifest).ok);
      const stored = await createCluster(admin, namespace, manifest);
      assert.deepEqual(stored.spec.managementGroup.resources, resources);
    }
  });
});
