// A version change across the 3.1.5 -> 3.1.6 line (the SWIM probe reply changed: the two sides
// cannot probe each other) through the operator on real pods, with updateStrategy FullRestart:
// every member of the README example is stopped at once and all start on the new version, each
// on its own volume. 3.1.6 itself is not on Maven Central (no image can be built), so the new side
// is 3.1.9, the nearest published release past the line. A 3.1.5 client node writes a counter
// before and through the restart; it is on the old side, so it is replaced by a client on the new
// version afterwards, which writes more. The counter holds every acknowledged increment of both
// clients; the downtime (from the spec change until the Raft group answers a linearizable read
// through one of its members) is printed, not asserted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { names } from '../../src/api/names.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { collectionPath, resources } from '../../src/kube/resources.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { eventsAbout } from '../support/operator.js';
import { deleteClientNode, readCounter, startClientWriter, type ClientWriter, type WriterReport } from '../atomix/client-writer.js';
import { assertCounterHolds, createWhileWriting, describeRollout, describeWrites, rollout, type Rollout } from '../atomix/rollout-harness.js';
import { membersByGroup } from '../atomix/readiness-sampler.js';
import { SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from '../atomix/real-cluster.js';

const FROM = '3.1.5';
const TO = '3.1.9';
/** How long the old-side client is given to get one more increment through the new-side servers. */
const OLD_CLIENT_GRACE_MS = 60_000;

describe(`a ${FROM} -> ${TO} full restart of the README example while a client node writes`, { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: FROM } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = [...membersByGroup(spec).values()].flat();
  const raftMember = names.podName(names.groupStatefulSet(name, 'raft'), 0);
  const real = useRealCluster();
  let before: WriterReport | undefined;
  let restart: Rollout | undefined;

  test(`on ${FROM} with a ${FROM} client writing, spec.version ${TO} with updateStrategy FullRestart: every member stopped at once, all back on ${TO} with their volumes`, async (t) => {
    const cluster = real();
    const writer = await createWhileWriting(cluster, spec);
    const claimsBefore = await claimUids(cluster);
    const patchedAt = performance.now();
    restart = await rollout(cluster, spec, { spec: { version: TO, updateStrategy: 'FullRestart' } });
    const readable = await readCounter(await cluster.agent(raftMember));
    const downtimeMs = performance.now() - patchedAt;
    // The old-side client after the restart: does any increment get through to the new side?
    const throughOldClient = await writer.waitForMore(1, OLD_CLIENT_GRACE_MS).then(() => 'got an increment through', (error: unknown) => String(error));
    before = await writer.stop();
    await deleteClientNode(cluster);
    const { outages } = restart.observation;
    const allDownFromMs = Math.max(...outages.map((outage) => outage.fromMs));
    const firstBackMs = Math.min(...outages.map((outage) => outage.toMs ?? Infinity));
    for (const line of [
      describeRollout(restart),
      `downtime: ${(downtimeMs / 1000).toFixed(1)} s from the spec change until a linearizable read through ${raftMember} (counter ${readable}); ` +
        `members all down together for ${((firstBackMs - allDownFromMs) / 1000).toFixed(1)} s; outages ${JSON.stringify(outages)}`,
      `the ${FROM} client after the restart: ${throughOldClient}; it had acknowledged ${before.acknowledged}, failed ${before.failed.length}`,
    ]) t.diagnostic(line);
    assert.ok(allDownFromMs < firstBackMs, `a moment with every member down at once: ${JSON.stringify(outages)}`);
    assert.deepEqual(outages.map((outage) => outage.pod).sort(), [...members].sort(), 'each member stopped once');
    for (const pod of members) assert.equal((await cluster.pod(pod)).spec?.containers[0]?.image, `atomix/atomix:${TO}`, `${pod} runs ${TO}`);
    assert.deepEqual(await claimUids(cluster), claimsBefore, 'every member kept its volume');
    const events = (await eventsAbout(cluster.admin, cluster.namespace, name)).map((event) => `${event.reason}: ${event.note}`);
    for (const event of events.filter((line) => line.startsWith('FullRestart'))) t.diagnostic(event);
    assert.ok(events.some((event) => event.startsWith('FullRestart: spec.updateStrategy is FullRestart: stopping 4 members at once')), events.join('\n'));
    assert.ok(events.some((event) => event.startsWith('FullRestartDone: all 4 members are back')), events.join('\n'));
  });

  test(`a client node on ${TO} writes more; the counter holds every acknowledged increment of both clients`, async (t) => {
    const cluster = real();
    assert.ok(before && restart, 'the restart ran while the first client wrote');
    const writer: ClientWriter = await startClientWriter(cluster, name, TO);
    await cluster.explainFailure(() => writer.waitForMore(20));
    const after = await writer.stop();
    const writes: WriterReport = {
      acknowledged: before.acknowledged + after.acknowledged,
      failed: [...before.failed, ...after.failed],
      longestWriteMs: Math.max(before.longestWriteMs, after.longestWriteMs),
      outOfOrder: before.outOfOrder + after.outOfOrder,
    };
    const outcome = { writes, counter: await readCounter(writer.agent), counterViaServer: await readCounter(await cluster.agent(raftMember)) };
    t.diagnostic(`${describeWrites(outcome)} (${FROM} client ${before.acknowledged} acknowledged, ${TO} client ${after.acknowledged})`);
    assertCounterHolds(outcome);
  });
});

async function claimUids(cluster: RealCluster): Promise<string[]> {
  const claims = await cluster.admin.request<{ items: V1PersistentVolumeClaim[] }>({ method: 'GET', path: collectionPath(resources.persistentVolumeClaims, cluster.namespace) });
  return claims.items.map((claim) => `${claim.metadata?.name ?? ''} ${claim.metadata?.uid ?? ''}`).sort();
}
