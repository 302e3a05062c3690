// Write storms that real clusters produce, measured from the API server's audit log: deleting a
// namespace full of Ready clusters, and a client that keeps editing an object the operator owns.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { objectPath, resources } from '../../src/kube/resources.js';
import { auditedWrites, createTestNamespace, waitFor, type AuditedRequest } from '../support/cluster.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import {
  adminClient,
  createCluster,
  eventsAbout,
  getCluster,
  installShippedRbac,
  installShippedRbacClusterWide,
  isReadyNow,
  operatorUser,
  startOperator,
} from '../support/operator.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
const CLUSTERS = 20;

function breakdown(writes: readonly AuditedRequest[]): string {
  const counts = new Map<string, number>();
  for (const w of writes) {
    const what = `${w.verb} ${String(w.resource)}${w.subresource ? `/${w.subresource}` : ''} ${String(w.code)}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${n}× ${what}`).join(', ') || 'none';
}

describe('deleting a namespace with Ready clusters', { timeout: 900_000 }, async () => {
  const admin = adminClient();
  const accountNamespace = await createTestNamespace('storm-operator');
  // Not createTestNamespace: this test deletes it.
  const namespace = `storm-${randomBytes(3).toString('hex')}`;
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  await installShippedRbacClusterWide(admin, accountNamespace, `atomix-operator-${namespace}`);
  await startOperator(namespace, { accountNamespace });

  test(`costs at most one operator write per cluster (${CLUSTERS} clusters), and no Warning Event storm`, async (t) => {
    const names = Array.from({ length: CLUSTERS }, (_, i) => `c${String(i).padStart(2, '0')}`);
    for (const name of names) await createCluster(admin, namespace, mergePatch(example, { metadata: { name } }) as object);
    await waitFor(async () => (await Promise.all(names.map(async (name) => isReadyNow(await getCluster(admin, namespace, name))))).every(Boolean), {
      what: `all ${CLUSTERS} clusters to become Ready`,
      timeoutMs: 300_000,
      intervalMs: 2_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const since = new Date();
    await admin.request({ method: 'DELETE', path: objectPath(resources.namespaces, undefined, namespace) });
    await waitFor(
      () => admin.request({ method: 'GET', path: objectPath(resources.namespaces, undefined, namespace) }).then(() => false, (e: unknown) => (e as { statusCode?: number }).statusCode === 404),
      { what: 'the namespace to be gone', timeoutMs: 300_000, intervalMs: 1_000 },
    );
    const writes = auditedWrites({ user: operatorUser(accountNamespace), since });
    t.diagnostic(`operator writes while the namespace was deleted: ${writes.length} (${breakdown(writes)})`);
    assert.ok(writes.length <= CLUSTERS, `at most ${CLUSTERS} writes, got ${writes.length}: ${breakdown(writes)}`);
    const eventWrites = writes.filter((w) => w.resource === 'events');
    assert.ok(eventWrites.length <= 1, `no Event storm: ${eventWrites.length} Event writes`);
  });
});

describe('a client that keeps editing an owned object', { timeout: 300_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('fight');
  await installShippedRbac(admin, namespace);
  await startOperator(namespace);
  const cluster = 'fought';
  const configMap = `${cluster}-raft-config`;

  test('is answered with a growing delay per object and one Warning Event naming its field manager', async (t) => {
    await createCluster(admin, namespace, mergePatch(example, { metadata: { name: cluster } }) as object);
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, cluster)), { what: 'the cluster to become Ready', timeoutMs: 120_000 });
    const since = new Date();
    const editFor = 40_000;
    for (let edit = 0; Date.now() - since.getTime() < editFor; edit++) {
      await admin.request({
        method: 'PATCH',
        path: objectPath(resources.configMaps, namespace, configMap),
        query: { fieldManager: 'config-bot' },
        body: { data: { 'atomix.conf': `{"edit": ${edit}}` } },
        contentType: 'application/merge-patch+json',
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const restores = auditedWrites({ user: operatorUser(namespace), since }).filter((w) => w.resource === 'configmaps' && w.name === configMap);
    t.diagnostic(`edits every second for ${editFor / 1000} s: ${restores.length} restores by the operator`);
    assert.ok(restores.length >= 2 && restores.length <= 6, `restored ${restores.length} times`);
    const warnings = (await eventsAbout(admin, namespace, cluster)).filter((event) => event.reason === 'ExternalChanges');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]?.note ?? '', new RegExp(`ConfigMap ${configMap} keeps being changed by field manager "config-bot"`));
    await waitFor(
      async () => {
        const current = await admin.request<{ data: Record<string, string> }>({ method: 'GET', path: objectPath(resources.configMaps, namespace, configMap) });
        return current.data['atomix.conf']?.includes('"members"');
      },
      { what: 'the config to be restored once the edits stop', timeoutMs: 120_000 },
    );
  });
});
