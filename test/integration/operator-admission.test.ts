// What the real API server (the generated CRD's schema and CEL rules) says about values that
// Kubernetes would rewrite or refuse further down: each is rejected with the same message and
// field path as `render`, and the meaningful ones are stored as given. And about changes of a
// stored cluster that Atomix 3.1 cannot take in place (CEL transition rules, partition groups
// correlated by name): each refused with render's message, the others accepted, the README's
// merge patches included.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster, validateClusterUpdate } from '../../src/api/validate.js';
import { customResourceDefinition } from '../../src/api/crd.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, clusterPath, createCluster, getCluster, mergePatchCluster } from '../support/operator.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { ACCEPTED_CHANGES, changedSpec, REFUSED_CHANGES, seedManifest, type ChangeCase } from '../support/change-cases.js';
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

describe('the API server refuses in-place changes Atomix 3.1 cannot take, as render does', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('changes');

  /** Creates the case's cluster, then replaces it with the changed spec (`kubectl replace`; a merge patch cannot drop a field by leaving it out). */
  async function change(index: number, { seed, change }: ChangeCase) {
    const name = `change-${index}`;
    await createCluster(admin, namespace, { ...seedManifest(seed), metadata: { name } });
    const stored = await getCluster(admin, namespace, name);
    const spec = changedSpec(stored.spec, change);
    const local = validateClusterUpdate(stored, { ...stored, spec });
    const answer = await admin.request({ method: 'PUT', path: clusterPath(namespace, name), body: { ...stored, spec } }).then(
      () => undefined,
      (e: unknown) => e as { statusCode?: number; message: string },
    );
    return { local, answer };
  }

  for (const [index, refused] of REFUSED_CHANGES.entries()) {
    test(`${refused.name}: refused at ${refused.field}`, async () => {
      const { local, answer } = await change(index, refused);
      assert.ok(!local.ok, 'render accepted it');
      assert.ok(answer, 'the API server accepted it');
      assert.equal(answer.statusCode, 422);
      const [expected] = local.errors;
      assert.ok(answer.message.includes(`${refused.field}: `), `API server message "${answer.message}" names ${refused.field}`);
      assert.ok(answer.message.includes(expected?.message ?? '?'), `API server message "${answer.message}" includes "${expected?.message ?? ''}"`);
    });
  }

  for (const [index, accepted] of ACCEPTED_CHANGES.entries()) {
    test(`${accepted.name}: accepted`, async () => {
      const { local, answer } = await change(REFUSED_CHANGES.length + index, accepted);
      assert.ok(local.ok, JSON.stringify(!local.ok && local.errors));
      assert.equal(answer, undefined, `the API server refused it: ${answer?.message ?? ''}`);
    });
  }

  test("the README's merge patches add and remove groups of a stored example", async () => {
    const name = 'readme-patches';
    await createCluster(admin, namespace, { ...seedManifest(), metadata: { name } });
    for (const seed of ['atomixcluster_cr_raft.yaml', 'atomixcluster_cr_primary_backup.yaml', 'atomixcluster_cr_log.yaml', 'atomixcluster_cr_bench.yaml']) {
      const patched = await mergePatchCluster(admin, namespace, name, readManifest(`deploy/crds/${seed}`));
      const groups = (readManifest(`deploy/crds/${seed}`) as { spec: { partitionGroups?: { name: string }[] } }).spec.partitionGroups;
      if (groups) assert.deepEqual(patched.spec.partitionGroups?.map((g) => g.name), groups.map((g) => g.name), seed);
    }
  });
});

/** The CRD under another group, so this file can change it without touching the shipped one. */
const LEGACY_GROUP = 'legacy.agent.atomix.io';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function crdInGroup(): { metadata: { name: string; resourceVersion?: string }; spec: { group: string } } {
  const crd = structuredClone(customResourceDefinition()) as unknown as { metadata: { name: string }; spec: { group: string } };
  crd.metadata.name = crd.metadata.name.replace('agent.atomix.io', LEGACY_GROUP);
  crd.spec.group = LEGACY_GROUP;
  return crd;
}

/** The schema as it was before this change: partitionGroups an atomic list, no transition rules. */
function withoutListMapAndTransitions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutListMapAndTransitions).filter((rule) => !JSON.stringify(rule).includes('oldSelf'));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'x-kubernetes-list-type' && key !== 'x-kubernetes-list-map-keys')
      .map(([key, value]) => [key, withoutListMapAndTransitions(value)]),
  );
}

describe('clusters stored before partitionGroups became a list-map keep validating under the new CRD', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('legacy');
  const crd = crdInGroup();
  const path = `/apis/${LEGACY_GROUP}/v1alpha1/namespaces/${namespace}/atomixclusters/stored-before`;

  test('created under the old schema, updated under the new one: edits accepted, a resize refused', async () => {
    await admin.request({ method: 'POST', path: CRDS, body: withoutListMapAndTransitions(crd) });
    try {
      const manifest = { ...seedManifest('atomixcluster_cr_primary_backup.yaml'), apiVersion: `${LEGACY_GROUP}/v1alpha1`, metadata: { name: 'stored-before' } };
      await waitFor(() => admin.request({ method: 'POST', path: path.replace(/\/stored-before$/, ''), body: manifest }).then(() => true), {
        what: 'the old CRD to serve',
      });
      const current = await admin.request<{ metadata: { resourceVersion: string } }>({ method: 'GET', path: `${CRDS}/${crd.metadata.name}` });
      await admin.request({ method: 'PUT', path: `${CRDS}/${crd.metadata.name}`, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } } });
      const resize = { spec: { partitionGroups: [{ name: 'raft', size: 5, partitions: 3, raft: {} }] } };
      // A dry run until the new schema serves (the API server picks up a CRD change asynchronously): nothing is stored meanwhile.
      const refusal = await waitFor(
        () =>
          admin
            .request({ method: 'PATCH', path, query: { dryRun: 'All' }, body: resize, contentType: 'application/merge-patch+json' })
            .then(() => assert.fail('the resize was accepted'), (e: unknown) => (e as { message: string }).message),
        { what: 'the new CRD to refuse a resize' },
      );
      assert.match(refusal, /spec\.partitionGroups\[0\]\.size: Invalid value: .*the size of an existing partition group cannot change/);
      await assert.rejects(admin.request({ method: 'PATCH', path, body: resize, contentType: 'application/merge-patch+json' }), /cannot change/);
      const stored = await admin.request<AtomixCluster>({ method: 'GET', path });
      const edited = await admin.request<AtomixCluster>({
        method: 'PATCH',
        path,
        body: { metadata: { labels: { team: 'a' } }, spec: { partitionGroups: (stored.spec.partitionGroups ?? []).map((g) => ({ ...g, env: [{ name: 'A', value: '1' }] })) } },
        contentType: 'application/merge-patch+json',
      });
      assert.deepEqual(edited.spec.partitionGroups?.map((g) => [g.name, g.size, g.env]), [['raft', 3, [{ name: 'A', value: '1' }]], ['primary-backup', 2, [{ name: 'A', value: '1' }]]]);
    } finally {
      await admin.request({ method: 'DELETE', path: `${CRDS}/${crd.metadata.name}` });
    }
  });
});
