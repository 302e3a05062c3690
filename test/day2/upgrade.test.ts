// A version upgrade of the README example through the operator on real pods while a real client
// node writes a counter continuously: sampled every second through the API, no group ever has
// more than one member down, every member ends on the new version, and the counter holds every
// acknowledged increment (failed writes are reported; each may or may not have been applied, so
// they bound the counter from above). 3.1.10 -> 3.1.12 also crosses 3.1.11, where the image's
// user changes from root to uid 1000: the new pods must be able to write what root left on the
// data volume (with fsGroupChangePolicy OnRootMismatch they could not: Permission denied on the
// Raft lock files, CrashLoopBackOff).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { startClientWriter, type ClientWriter } from '../atomix/client-writer.js';
import { finishWrites, rollout, type Rollout } from '../atomix/rollout-harness.js';
import { membersByGroup } from '../atomix/readiness-sampler.js';
import { SUITE_TIMEOUT_MS, useRealCluster } from '../atomix/real-cluster.js';

const FROM = '3.1.10';
const TO = '3.1.12';

describe(`a ${FROM} -> ${TO} upgrade of the README example while a client node writes`, { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: FROM } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = membersByGroup(spec);
  const real = useRealCluster();
  let writer: ClientWriter | undefined;
  let upgrade: Rollout | undefined;

  test(`on ${FROM}, a client node joins through the discovery Service and its increments are acknowledged`, async () => {
    const cluster = real();
    await cluster.apply(spec);
    await cluster.waitUntilReady(name);
    writer = await startClientWriter(cluster, name, FROM);
    await cluster.explainFailure(() => (writer as ClientWriter).waitForMore(20));
  });

  test(`spec.version ${TO}: every member replaced, never more than one member of a group down`, async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    upgrade = await rollout(cluster, spec, { spec: { version: TO } });
    const { observation } = upgrade;
    t.diagnostic(`rolled in ${(upgrade.durationMs / 1000).toFixed(1)} s; ${observation.samples} samples, longest gap ${observation.longestGapMs.toFixed(0)} ms; order ${observation.rollOrder.join(' -> ')}; groups down together: ${JSON.stringify(observation.groupsDownTogether)}`);
    for (const [group, pods] of members) {
      assert.equal(observation.maxDown.get(group), 1, `${group}: exactly one member down at a time (${JSON.stringify(observation.outages.filter((o) => pods.includes(o.pod)))})`);
      for (const pod of pods) {
        assert.ok(observation.replacedAtMs.has(pod), `${pod} was replaced`);
        assert.equal((await cluster.pod(pod)).spec?.containers[0]?.image, `atomix/atomix:${TO}`, `${pod} runs ${TO}`);
      }
    }
  });

  test('the counter holds every acknowledged increment, through the client node and through a raft member', async (t) => {
    const cluster = real();
    assert.ok(writer && upgrade, 'the upgrade ran while the client node wrote');
    const outcome = await cluster.explainFailure(() => finishWrites(cluster, writer as ClientWriter, names.podName(names.groupStatefulSet(name, 'raft'), 0)));
    const { writes } = outcome;
    t.diagnostic(`acknowledged ${writes.acknowledged}, failed ${writes.failed.length} ${JSON.stringify(writes.failed.slice(0, 5))}, longest write ${writes.longestWriteMs.toFixed(0)} ms, counter ${outcome.counter}`);
    assert.equal(writes.outOfOrder, 0, 'each acknowledged value is above the one before');
    assert.equal(outcome.counterViaServer, outcome.counter, 'both linearizable reads agree');
    assert.ok(outcome.counter >= writes.acknowledged, `no acknowledged increment lost: counter ${outcome.counter} >= acknowledged ${writes.acknowledged}`);
    assert.ok(outcome.counter - writes.acknowledged <= writes.failed.length, `only failed increments may have been applied unacknowledged: counter ${outcome.counter}, acknowledged ${writes.acknowledged}, failed ${writes.failed.length}`);
  });
});
