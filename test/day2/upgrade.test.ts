// A version upgrade of the README example through the operator on real pods while a real client
// node writes a counter continuously: sampled every second through the API, the operator replaces
// one member of the cluster at a time (never two members of a group, never two groups, the
// management group first and alone), every member ends on the new version, and the counter holds
// every acknowledged increment (failed writes are reported; each may or may not have been applied, so
// they bound the counter from above). 3.1.10 -> 3.1.12 also crosses 3.1.11, where the image's
// user changes from root to uid 1000: the new pods must be able to write what root left on the
// data volume (with fsGroupChangePolicy OnRootMismatch they could not: Permission denied on the
// Raft lock files, CrashLoopBackOff).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import type { ClientWriter } from '../atomix/client-writer.js';
import { assertRolledOneAtATime, createWhileWriting, describeRollout, finishAndCheckCounter, type Rollout, rollout } from '../atomix/rollout-harness.js';
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
    writer = await createWhileWriting(real(), spec);
  });

  test(`spec.version ${TO}: one member of the cluster at a time, the management group first and alone`, async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node writes');
    upgrade = await rollout(cluster, spec, { spec: { version: TO } });
    t.diagnostic(describeRollout(upgrade));
    assertRolledOneAtATime(upgrade.observation, members);
    for (const pods of members.values()) {
      for (const pod of pods) assert.equal((await cluster.pod(pod)).spec?.containers[0]?.image, `atomix/atomix:${TO}`, `${pod} runs ${TO}`);
    }
  });

  test('the counter holds every acknowledged increment, through the client node and through a raft member', async (t) => {
    const cluster = real();
    assert.ok(writer && upgrade, 'the upgrade ran while the client node wrote');
    await finishAndCheckCounter(t, cluster, writer, name);
  });
});
