// The operator SIGKILLed in the middle of a version upgrade (3.1.10 -> 3.1.12) of the README
// example, while a Raft member it deleted is still down, and started again: the new process
// resumes the roll where the old one stopped and never takes a second member of a group down;
// the client node's counter holds every acknowledged increment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import type { ClientWriter } from '../atomix/client-writer.js';
import { OperatorProcess } from '../atomix/operator-process.js';
import { membersByGroup } from '../atomix/readiness-sampler.js';
import { assertRolledOneAtATime, createWhileWriting, describeRollout, finishAndCheckCounter, rollout } from '../atomix/rollout-harness.js';
import { READY_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster } from '../atomix/real-cluster.js';

const FROM = '3.1.10';
const TO = '3.1.12';

describe(`the operator SIGKILLed mid-roll (${FROM} -> ${TO}) and restarted`, { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: FROM } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = membersByGroup(spec);
  const raftPods = members.get('raft') ?? [];
  const real = useRealCluster({ operator: 'none' });
  let operator: OperatorProcess | undefined;
  let writer: ClientWriter | undefined;

  before(async () => {
    operator = await OperatorProcess.start(real());
  });
  after(() => operator?.stop());

  test(`on ${FROM}, a client node writes`, async () => {
    writer = await createWhileWriting(real(), spec);
  });

  test('killed while a replaced Raft member is down, the restarted operator finishes the roll one member at a time', async (t) => {
    const cluster = real();
    assert.ok(operator && writer, 'the operator runs and the client node writes');
    const running = operator;
    let killedWhileDown: readonly string[] = [];
    const rolled = await rollout(cluster, spec, { spec: { version: TO } }, {
      whileRolling: async (sampler) => {
        killedWhileDown = await cluster.explainFailure(() =>
          waitUntil(
            async () => {
              const { down, replaced } = sampler.now;
              const raftDown = down.filter((pod) => raftPods.includes(pod) && replaced.includes(pod));
              return raftDown.length > 0 ? raftDown : undefined;
            },
            { what: 'a replaced Raft member to be down', timeoutMs: READY_TIMEOUT_MS, intervalMs: 200 },
          ),
        );
        const pid = running.pid;
        await running.kill();
        t.diagnostic(`operator pid ${String(pid)} SIGKILLed while ${killedWhileDown.join(', ')} was down`);
        await running.restart();
      },
    });
    t.diagnostic(describeRollout(rolled));
    assert.equal(killedWhileDown.length, 1, 'killed while exactly one Raft member was down');
    assertRolledOneAtATime(rolled.observation, members);
    for (const pods of members.values()) {
      for (const pod of pods) assert.equal((await cluster.pod(pod)).spec?.containers[0]?.image, `atomix/atomix:${TO}`, `${pod} runs ${TO}`);
    }
  });

  test('the counter holds every acknowledged increment', async (t) => {
    const cluster = real();
    assert.ok(writer, 'the client node wrote');
    await finishAndCheckCounter(t, cluster, writer, name);
  });
});
