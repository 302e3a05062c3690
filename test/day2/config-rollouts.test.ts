// Rollouts of the README example through the operator on real pods while a client node writes
// a counter: an `env` change rolls one member of the cluster at a time, the management group
// first and alone, and each replaced JVM gets SIGTERM and stops Atomix cleanly; a version whose image never starts stops the roll at its first pod (Degraded
// RolloutStuck), and putting the version back recovers that pod with no acknowledged write lost.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch, readManifest } from '../support/manifests.js';
import type { ClientWriter } from '../atomix/client-writer.js';
import { MANAGEMENT_GROUP, membersByGroup, ReadinessSampler } from '../atomix/readiness-sampler.js';
import { assertRolledOneAtATime, createWhileWriting, describeRollout, finishAndCheckCounter, lastLogOf, rollout, waitUntilRolled } from '../atomix/rollout-harness.js';
import { SUITE_TIMEOUT_MS, useRealCluster } from '../atomix/real-cluster.js';

const VERSION = '3.1.10';
/** Allowed by the API, but never published on Maven Central: the local node refuses it like a failed pull. */
const UNPUBLISHED_VERSION = '3.1.11';
/** The deadline after which a replaced member that is not Ready stops the roll. */
const STUCK_AFTER_MS = 60_000;
/** How long a stuck roll is watched for a second deletion that must not come. */
const HOLD_MS = 20_000;

describe('env and version rollouts of the README example while a client node writes', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: VERSION } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = membersByGroup(spec);
  const managementPod = members.get(MANAGEMENT_GROUP)?.[0] ?? '';
  const real = useRealCluster({ rollout: { stuckAfterMs: STUCK_AFTER_MS } });
  let writer: ClientWriter | undefined;

  test(`on ${VERSION}, a client node writes through the discovery Service`, async () => {
    writer = await createWhileWriting(real(), spec);
  });

  test('an env change of every group rolls one member of the cluster at a time, the management group first and alone', async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    const env = [{ name: 'ROLLOUT_PROOF', value: 'env-1' }];
    const groups = (readManifest('deploy/crds/atomixcluster_cr.yaml')['spec'] as { partitionGroups: object[] }).partitionGroups;
    // The end of the first replaced member's log, read until its pod is gone, shows Atomix's own stop.
    const lastLog = lastLogOf(cluster, managementPod);
    const rolled = await rollout(cluster, spec, { spec: { managementGroup: { env }, partitionGroups: groups.map((group) => ({ ...group, env })) } });
    t.diagnostic(describeRollout(rolled));
    assertRolledOneAtATime(rolled.observation, members);
    for (const pods of members.values()) {
      for (const pod of pods) assert.deepEqual((await cluster.pod(pod)).spec?.containers[0]?.env?.find((e) => e.name === 'ROLLOUT_PROOF'), env[0], `${pod} has the new env`);
    }
    await writer.waitForMore(20);
    assert.match(await lastLog, /io\.atomix\.cluster\.AtomixCluster - Stopped/, 'the replaced JVM got SIGTERM and stopped Atomix');
  });

  test(`spec.version ${UNPUBLISHED_VERSION} (an image that never starts): the roll stops at its first pod, Degraded RolloutStuck`, async (t) => {
    const cluster = real();
    const sampler = new ReadinessSampler(cluster, members);
    await cluster.mergePatch(name, { spec: { version: UNPUBLISHED_VERSION } });
    const stuck = await cluster.explainFailure(() =>
      waitUntil(
        async () => (await cluster.cluster(name)).status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'RolloutStuck'),
        { what: 'Degraded RolloutStuck', timeoutMs: STUCK_AFTER_MS + 5 * 60_000, intervalMs: 1000 },
      ),
    );
    t.diagnostic(`Degraded: ${stuck.message}`);
    assert.match(stuck.message, new RegExp(managementPod), 'the message names the stuck pod');
    // Nothing else may go while the management group is down: watch for a while.
    await sleep(HOLD_MS);
    const observation = await sampler.stop();
    assert.deepEqual([...observation.replacedAtMs.keys()], [managementPod], 'only the first pod was replaced');
    for (const [group, pods] of members) {
      assert.equal(observation.maxDown.get(group), group === MANAGEMENT_GROUP ? 1 : 0, `${group}: ${JSON.stringify(observation.outages)}`);
      if (group !== MANAGEMENT_GROUP) for (const pod of pods) assert.equal((await cluster.pod(pod)).spec?.containers[0]?.image, `atomix/atomix:${VERSION}`, `${pod} untouched`);
    }
  });

  test(`spec.version back to ${VERSION}: the operator replaces the stuck pod, the cluster is Ready, no acknowledged increment lost`, async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    const sampler = new ReadinessSampler(cluster, members);
    await cluster.mergePatch(name, { spec: { version: VERSION } });
    await waitUntilRolled(cluster, name);
    const observation = await sampler.stop();
    assert.deepEqual([...observation.replacedAtMs.keys()], [managementPod], 'the stuck pod was replaced, nothing else');
    assert.equal(observation.maxDown.get('raft'), 0, `raft untouched: ${JSON.stringify(observation.outages)}`);
    assert.equal((await cluster.pod(managementPod)).spec?.containers[0]?.image, `atomix/atomix:${VERSION}`);
    const degraded = (await cluster.cluster(name)).status?.conditions?.find((c) => c.type === 'Degraded');
    assert.notEqual(degraded?.status, 'True', `no longer Degraded: ${JSON.stringify(degraded)}`);
    await finishAndCheckCounter(t, cluster, writer, name);
  });
});
