// The guard every write of a pass goes through: a pass that only repairs asks once whether the
// namespace is going away before its first write; a namespace found gone, then or in a refusal,
// ends the pass.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NamespaceGone, rethrowNamespaceGone, startPass } from '../../../src/controller/pass.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { exampleCluster } from '../../support/manifests.js';

/** The example at `generation`, whose status last observed `observed`. */
function clusterAt(generation: number | undefined, observed: number | undefined): AtomixCluster {
  const cluster = exampleCluster(undefined, 'prod');
  return {
    ...cluster,
    metadata: { ...cluster.metadata, ...(generation === undefined ? {} : { generation }) },
    ...(observed === undefined ? {} : { status: { observedGeneration: observed } }),
  };
}

/** A namespace check that answers `gone` and counts the namespaces it was asked about. */
function namespaceCheck(gone: boolean) {
  const asked: string[] = [];
  return { asked, check: async (namespace: string) => (asked.push(namespace), gone) };
}

describe('the namespace check', () => {
  const cases: { name: string; generation: number | undefined; observed: number | undefined; asks: boolean }[] = [
    { name: 'a pass that only repairs (the spec was seen) asks', generation: 3, observed: 3, asks: true },
    { name: 'a pass for a new generation does not', generation: 3, observed: 2, asks: false },
    { name: 'nor one for a cluster without status', generation: 3, observed: undefined, asks: false },
    { name: 'nor one without a generation', generation: undefined, observed: undefined, asks: false },
  ];
  for (const { name, generation, observed, asks } of cases) {
    test(name, async () => {
      const { asked, check } = namespaceCheck(false);
      const pass = startPass('prod/example-atomixcluster', clusterAt(generation, observed), check);
      assert.equal(await pass.write(async () => 'written'), 'written');
      assert.deepEqual(asked, asks ? ['prod'] : []);
    });
  }

  test('is asked once per pass, however many writes', async () => {
    const { asked, check } = namespaceCheck(false);
    const pass = startPass('prod/example-atomixcluster', clusterAt(3, 3), check);
    await Promise.all([pass.write(async () => 1), pass.write(async () => 2)]);
    await pass.write(async () => 3);
    assert.deepEqual(asked, ['prod']);
  });

  test('a namespace found gone ends the pass before any write', async () => {
    const { check } = namespaceCheck(true);
    const pass = startPass('prod/example-atomixcluster', clusterAt(3, 3), check);
    let sent = 0;
    await assert.rejects(pass.write(async () => ++sent), NamespaceGone);
    await assert.rejects(pass.write(async () => ++sent), NamespaceGone);
    assert.equal(sent, 0);
  });

  test('a new generation is written even in a namespace being deleted (its refusal tells)', async () => {
    const { check } = namespaceCheck(true);
    const pass = startPass('prod/example-atomixcluster', clusterAt(3, 2), check);
    assert.equal(await pass.write(async () => 'written'), 'written');
  });
});

describe('refusals', () => {
  const pass = () => startPass('prod/example-atomixcluster', clusterAt(3, 2), namespaceCheck(false).check);
  const terminating = new KubeApiError(403, 'namespace prod is being terminated', 'Forbidden', { causes: [{ reason: 'NamespaceTerminating' }] });
  const namespaceNotFound = new KubeApiError(404, 'namespaces "prod" not found', 'NotFound', { kind: 'namespaces', name: 'prod' });

  test('a refusal because the namespace is being deleted ends the pass', async () => {
    await assert.rejects(pass().write(() => Promise.reject(terminating)), NamespaceGone);
  });

  test('so does the namespace not found', async () => {
    await assert.rejects(pass().write(() => Promise.reject(namespaceNotFound)), NamespaceGone);
  });

  test('any other refusal is the caller’s', async () => {
    const forbidden = new KubeApiError(403, 'forbidden');
    await assert.rejects(pass().write(() => Promise.reject(forbidden)), forbidden);
  });

  test('rethrowNamespaceGone re-throws only a pass given up on', () => {
    assert.throws(() => rethrowNamespaceGone(new NamespaceGone()), NamespaceGone);
    assert.doesNotThrow(() => rethrowNamespaceGone(new Error('other')));
  });
});

test('a pass knows its key and cluster, and starts with no names found taken', () => {
  const cluster = clusterAt(1, 1);
  const pass = startPass('prod/example-atomixcluster', cluster, namespaceCheck(false).check);
  assert.equal(pass.key, 'prod/example-atomixcluster');
  assert.equal(pass.cluster, cluster);
  assert.deepEqual([...pass.conflicts], []);
});
