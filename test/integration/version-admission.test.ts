// The real API server on what depends on the Atomix version and on Atomix's own storage limits:
// the boundary values Atomix starts with are stored as given (the rejected ones, with the same
// messages as render, are in value-cases.ts and operator-admission.test.ts), the version quirks'
// allowed cases pass, and `kubectl explain` lists the versions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCluster } from '../../src/api/validate.js';
import { CRD_NAME } from '../../src/api/group.js';
import { ATOMIX_VERSIONS } from '../../src/api/versions.js';
import { createTestNamespace } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { adminClient, createCluster, mergePatchCluster } from '../support/operator.js';
import { validateClusterUpdate } from '../../src/api/validate.js';
import { BOUNDARY_COMPACTION, BOUNDARY_STORAGE } from '../support/value-cases.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');

describe('the API server admits what Atomix runs with', async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('versions');
  let index = 0;
  const stored = async (spec: object) => {
    const manifest = mergePatch(example, { metadata: { name: `accepted-${String(index++)}` }, spec }) as object;
    assert.ok(validateCluster(manifest).ok, 'render accepts it');
    return (await createCluster(admin, namespace, manifest)).spec;
  };

  test('storage and compaction at the boundaries Atomix accepts are stored as given', async () => {
    for (const storage of Object.values(BOUNDARY_STORAGE)) {
      const spec = await stored({ managementGroup: { storage }, partitionGroups: [{ name: 'raft', raft: { storage } }, { name: 'log', log: { storage } }] });
      assert.deepEqual({ ...spec.managementGroup.storage, size: undefined, className: undefined }, { ...storage, flushOnCommit: false, size: undefined, className: undefined });
      assert.equal(spec.partitionGroups?.[1]?.log?.storage.entrySize, storage.entrySize);
    }
    for (const compaction of Object.values(BOUNDARY_COMPACTION)) {
      const spec = await stored({ partitionGroups: [{ name: 'raft', raft: { compaction } }] });
      assert.deepEqual(spec.partitionGroups?.[0]?.raft?.compaction, { dynamic: true, ...compaction });
    }
  });

  test('integral fractions are refused too (JSON 0 and 1 are ints to CEL)', async () => {
    for (const [index, value] of [0, 1].entries()) {
      const manifest = mergePatch(example, { metadata: { name: `fraction-${String(index)}` }, spec: { partitionGroups: [{ name: 'raft', raft: { compaction: { freeMemoryBuffer: value } } }] } });
      const error = await createCluster(admin, namespace, manifest as object).then(() => assert.fail('accepted'), (e: unknown) => e as { statusCode?: number; message: string });
      assert.equal(error.statusCode, 422);
      assert.match(error.message, /spec\.partitionGroups\[0\]\.raft\.compaction\.freeMemoryBuffer: .*freeMemoryBuffer must be greater than 0 and less than 1/);
    }
  });

  test('the version quirks allow what each release can run, and the image fields are stored', async () => {
    assert.equal((await stored({ version: '3.1.6', partitionGroups: null })).partitionGroups, undefined);
    assert.equal((await stored({ version: '3.1.5', benchmark: { size: 1 } })).benchmark?.image, undefined);
    const mirrored = await stored({
      version: '3.1.12',
      image: 'mirror.example.com/atomix/atomix:3.1.12',
      imagePullPolicy: 'Always',
      imagePullSecrets: [{ name: 'mirror-pull' }],
      benchmark: { size: 1, image: 'mirror.example.com/atomix-bench:3.1.12' },
    });
    assert.deepEqual([mirrored.image, mirrored.imagePullPolicy, mirrored.imagePullSecrets, mirrored.benchmark?.image], [
      'mirror.example.com/atomix/atomix:3.1.12', 'Always', [{ name: 'mirror-pull' }], 'mirror.example.com/atomix-bench:3.1.12',
    ]);
    assert.equal((await stored({ version: null })).version, '3.1.12', 'the default version');
  });

  test('an unknown version is refused with the list of known ones; kubectl explain lists them too', async () => {
    const manifest = mergePatch(example, { metadata: { name: 'latest' }, spec: { version: 'latest' } }) as object;
    const error = await createCluster(admin, namespace, manifest).then(() => assert.fail('accepted'), (e: unknown) => e as { message: string });
    assert.ok(error.message.includes(`spec.version: Unsupported value: "latest": supported values: ${ATOMIX_VERSIONS.map((v) => `"${v}"`).join(', ')}`), error.message);
    const crd = await admin.request<{ spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { version: { description: string } } } } } } }[] } }>({
      method: 'GET',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    });
    const description = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties.version.description ?? '';
    assert.ok(description.includes(ATOMIX_VERSIONS.join(', ')), description);
  });

  test('a version change across 3.1.5 -> 3.1.6 needs updateStrategy FullRestart, both ways, as render says; kubectl explain tells', async () => {
    const name = 'boundary';
    const created = await createCluster(admin, namespace, mergePatch(example, { metadata: { name }, spec: { version: '3.1.12' } }) as object);
    assert.equal(created.spec.updateStrategy, 'RollingUpdate', 'the default strategy');
    const patchRefused = async (patch: object) => {
      const local = validateClusterUpdate(created, mergePatch(created, { spec: patch }));
      assert.ok(!local.ok, 'render accepted it');
      const error = await mergePatchCluster(admin, namespace, name, { spec: patch }).then(() => assert.fail(`accepted ${JSON.stringify(patch)}`), (e: unknown) => e as { statusCode?: number; message: string });
      assert.equal(error.statusCode, 422);
      assert.deepEqual(local.errors.map((e) => e.field), ['spec.version']);
      assert.ok(error.message.includes('spec.version: ') && error.message.includes(local.errors[0]?.message ?? '?'), error.message);
    };
    await patchRefused({ version: '3.1.5' });
    await patchRefused({ version: '3.1.0', updateStrategy: 'RollingUpdate' });
    assert.equal((await mergePatchCluster(admin, namespace, name, { spec: { version: '3.1.6' } })).spec.version, '3.1.6', 'the same side: rolled');
    const restarted = await mergePatchCluster(admin, namespace, name, { spec: { version: '3.1.5', updateStrategy: 'FullRestart' } });
    assert.deepEqual([restarted.spec.version, restarted.spec.updateStrategy], ['3.1.5', 'FullRestart']);
    const crd = await admin.request<{ spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { updateStrategy: { description: string; enum: string[] } } } } } } }[] } }>({
      method: 'GET',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    });
    const strategy = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties.updateStrategy;
    assert.deepEqual(strategy?.enum, ['RollingUpdate', 'FullRestart']);
    assert.match(strategy.description, /FullRestart: every member .* no writes .* 3\.1\.5 -> 3\.1\.6/, strategy.description);
  });
});
