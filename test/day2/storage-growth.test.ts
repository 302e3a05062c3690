// Storage growth of the README example on real pods while a client node writes a counter: a
// larger `storage.size` for the management group and the Raft group grows each PVC in place (the
// local provisioner acts as a CSI driver's external-resizer: PV and claim capacity), then each
// StatefulSet is deleted with its pods orphaned and created again with the larger claim template.
// The JVMs never stop: the same pod uids with no restart, no member down in any sample, and every
// increment acknowledged (none failed, the counter equals the acknowledged increments).
// A class that cannot expand is covered on simulated pods (test/integration/operator.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { names } from '../../src/api/names.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch, readManifest } from '../support/manifests.js';
import type { ClientWriter } from '../atomix/client-writer.js';
import { membersByGroup, ReadinessSampler } from '../atomix/readiness-sampler.js';
import { createWhileWriting, finishAndCheckCounter } from '../atomix/rollout-harness.js';
import { READY_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from '../atomix/real-cluster.js';

const VERSION = '3.1.12';
/** The schema's default is 2G. */
const GROWN = '3G';

/** Each server pod's uid and container restarts: what must not change. */
async function podIdentities(cluster: RealCluster, pods: readonly string[]): Promise<Map<string, string>> {
  const identity = (pod: V1Pod) => `${pod.metadata?.uid ?? ''} restarts=${pod.status?.containerStatuses?.[0]?.restartCount ?? 0}`;
  return new Map(await Promise.all(pods.map(async (pod): Promise<[string, string]> => [pod, identity(await cluster.pod(pod))])));
}

async function statefulSet(cluster: RealCluster, name: string): Promise<V1StatefulSet | undefined> {
  return cluster.admin.request<V1StatefulSet>({ method: 'GET', path: objectPath(resources.statefulSets, cluster.namespace, name) }).catch(() => undefined);
}

async function claims(cluster: RealCluster, clusterName: string): Promise<V1PersistentVolumeClaim[]> {
  const list = await cluster.admin.request<{ items: V1PersistentVolumeClaim[] }>({ method: 'GET', path: collectionPath(resources.persistentVolumeClaims, cluster.namespace), query: { labelSelector: `app=${clusterName}` } });
  return list.items;
}

describe(`storage growth of the README example on ${VERSION} while a client node writes`, { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: VERSION } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = membersByGroup(spec);
  const servers = [...members.values()].flat();
  const statefulSets = [names.managementStatefulSet(name), names.groupStatefulSet(name, 'raft')];
  const real = useRealCluster();
  let writer: ClientWriter | undefined;

  test(`on ${VERSION}, a client node writes through the discovery Service`, async () => {
    writer = await createWhileWriting(real(), spec);
  });

  test(`storage.size ${GROWN}: every PVC grows, each StatefulSet is recreated with ${GROWN} claims, the same pods run on, no write fails`, async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    const podsBefore = await podIdentities(cluster, servers);
    const setUidsBefore = await Promise.all(statefulSets.map(async (set) => (await statefulSet(cluster, set))?.metadata?.uid));
    assert.equal((await claims(cluster, name)).length, servers.length, 'one claim per server');
    const sampler = new ReadinessSampler(cluster, members);
    const startedAt = performance.now();
    const storage = { className: 'fast-disks', size: GROWN };
    const groups = (readManifest('deploy/crds/atomixcluster_cr.yaml')['spec'] as { partitionGroups: object[] }).partitionGroups;
    await cluster.mergePatch(name, { spec: { managementGroup: { storage }, partitionGroups: groups.map((group) => mergePatch(group, { raft: { storage } })) } });
    await cluster.explainFailure(() =>
      waitUntil(
        async () => {
          const sets = await Promise.all(statefulSets.map((set) => statefulSet(cluster, set)));
          return sets.every((set, index) => set && set.metadata?.uid !== setUidsBefore[index] && set.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'] === GROWN);
        },
        { what: `both StatefulSets recreated with ${GROWN} claims`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 1000 },
      ),
    );
    await cluster.waitUntilReady(name);
    const durationMs = performance.now() - startedAt;
    const observation = await sampler.stop();
    t.diagnostic(`grown and Ready in ${(durationMs / 1000).toFixed(1)} s; ${observation.samples} samples, longest gap ${observation.longestGapMs.toFixed(0)} ms`);
    for (const claim of await claims(cluster, name)) {
      assert.equal(claim.spec?.resources?.requests?.['storage'], GROWN, `${claim.metadata?.name ?? ''} asks for ${GROWN}`);
      assert.equal(claim.status?.capacity?.['storage'], GROWN, `${claim.metadata?.name ?? ''} has ${GROWN}`);
    }
    assert.deepEqual(await podIdentities(cluster, servers), podsBefore, 'the same pods, never restarted');
    for (const group of members.keys()) assert.equal(observation.maxDown.get(group), 0, `${group}: no member down: ${JSON.stringify(observation.outages)}`);
    const converged = await waitUntil(
      async () => (await cluster.cluster(name)).status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False'),
      { what: 'Progressing False: the growth is over', timeoutMs: 60_000, intervalMs: 1000 },
    );
    assert.equal(converged.reason, 'Converged');
  });

  test('no increment failed and the counter equals the acknowledged increments', async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    const outcome = await finishAndCheckCounter(t, cluster, writer, name);
    assert.deepEqual(outcome.writes.failed, [], 'no write failed: no member stopped');
    assert.equal(outcome.counter, outcome.writes.acknowledged);
  });
});
