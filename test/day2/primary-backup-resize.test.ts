// Why the CEL transition rule refuses to change the size of an existing primary-backup group
// (src/api/transition-rules.ts): an experiment on real Atomix 3.1.12 pods, kept as a test so the
// reason can be seen again. A primary-backup group keeps its data only in the memory of its
// members and has no member list: every node that configures the group is a member. Growing it
// from 2 to 3 members is therefore nothing but a third pod (the rendered configuration does not
// change, so neither do the pods of the first two), which is all the operator did before the
// rule. Here the rule's refusal is bypassed the way a user could: the cluster paused, its
// StatefulSet scaled by hand. The partitions are then re-elected over the new member list, the
// new member takes over partitions without holding a copy of them, and acknowledged keys are
// gone (measured when the rule was written: 6 of 30). Not in CI: real JVMs, minutes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import { objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { call, ok, partitionGroups, type AgentEndpoint } from '../atomix/agent-client.js';
import { serving } from '../atomix/readiness-sampler.js';
import { CONVERGE_TIMEOUT_MS, READY_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from '../atomix/real-cluster.js';

const VERSION = '3.1.12';
const GROUP = 'primary-backup';
/** The seed patch's group (deploy/crds/atomixcluster_cr_primary_backup.yaml). */
const PRIMARY_BACKUP = { name: GROUP, size: 2, partitions: 7, primaryBackup: {} };
const KEYS = 30;
const MAP = '/v1/atomic-map/resize-experiment';
const PROTOCOL = { protocol: { type: 'multi-primary', group: GROUP, backups: 1 } };

const keyNames = Array.from({ length: KEYS }, (_, index) => `key-${String(index)}`);

/** The keys whose value reads back through `agent` as written. */
async function keysRead(agent: AgentEndpoint): Promise<string[]> {
  await ok(agent, 'POST', MAP, PROTOCOL);
  const present: string[] = [];
  for (const key of keyNames) {
    const stored = (await ok(agent, 'GET', `${MAP}/${key}`)) as { value: string } | undefined;
    if (stored?.value === `value-of-${key}`) present.push(key);
  }
  return present;
}

/** Waits until every partition of the group has a primary and `member` holds a place in one of them. */
async function waitUntilPartitionsInclude(agent: AgentEndpoint, member: string): Promise<void> {
  await waitUntil(
    async () => {
      const partitions = (await partitionGroups(agent)).find((group) => group.name === GROUP)?.partitions ?? [];
      return partitions.length > 0 && partitions.every((p) => p.primary !== null) && partitions.some((p) => p.primary === member || (p.members ?? []).includes(member));
    },
    { what: `a primary for every partition of ${GROUP}, ${member} among the members`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 },
  );
}

describe(`a primary-backup group grown 2 -> 3 members on real ${VERSION} pods (why the CEL rule refuses it)`, { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = mergePatch(exampleCluster(), { spec: { version: VERSION, partitionGroups: [PRIMARY_BACKUP] } }) as AtomixCluster;
  const name = spec.metadata.name;
  const statefulSet = names.groupStatefulSet(name, GROUP);
  const [first, second, added] = [names.podName(statefulSet, 0), names.podName(statefulSet, 1), names.podName(statefulSet, 2)] as const;
  const real = useRealCluster();
  const acknowledged: string[] = [];

  test(`${KEYS} keys written through ${GROUP}-0 read back through ${GROUP}-1`, async () => {
    const cluster = real();
    await cluster.apply(spec);
    await cluster.waitUntilReady(name);
    const [writer, reader] = [await cluster.agent(first), await cluster.agent(second)];
    await cluster.explainFailure(async () => {
      await waitUntilPartitionsInclude(writer, second);
      await ok(writer, 'POST', MAP, PROTOCOL);
      for (const key of keyNames) if ((await call(writer, 'PUT', `${MAP}/${key}`, `value-of-${key}`)).status === 200) acknowledged.push(key);
      assert.equal(acknowledged.length, KEYS, 'every write acknowledged');
      assert.deepEqual(await keysRead(reader), acknowledged, 'the group holds every key before the change');
    });
  });

  test('the API server refuses size 3', async () => {
    const cluster = real();
    const refusal = await cluster.mergePatch(name, { spec: { partitionGroups: [{ ...PRIMARY_BACKUP, size: 3 }] } }).then(
      () => assert.fail('size 3 was accepted'),
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    assert.match(refusal, /primary-backup partitions move to members that hold no copy and lose acknowledged writes/);
  });

  test(`bypassed (cluster paused, StatefulSet scaled to 3): ${GROUP}-2 joins and acknowledged keys are lost`, async (t) => {
    const cluster = real();
    const runningBefore = await Promise.all([first, second].map((pod) => runningPod(cluster, pod)));
    await pause(cluster, name);
    await cluster.admin.request({
      method: 'PATCH',
      path: objectPath(resources.statefulSets, cluster.namespace, statefulSet),
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    await cluster.explainFailure(async () => {
      await waitUntil(async () => serving(await cluster.pod(added).catch(() => undefined)), { what: `${added} to be Ready`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 1000 });
      const throughFirst = await cluster.agent(first);
      await waitUntilPartitionsInclude(throughFirst, added);
      for (const pod of [second, added]) t.diagnostic(`through ${pod}: ${(await keysRead(await cluster.agent(pod))).length}/${acknowledged.length} acknowledged keys`);
      const present = await keysRead(throughFirst);
      t.diagnostic(`through ${first}: ${present.length}/${acknowledged.length} acknowledged keys; lost: ${acknowledged.filter((key) => !present.includes(key)).join(', ')}`);
      assert.ok(present.length < acknowledged.length, `acknowledged keys lost: ${acknowledged.length - present.length} of ${acknowledged.length}`);
      assert.deepEqual(await Promise.all([first, second].map((pod) => runningPod(cluster, pod))), runningBefore, 'the first two members never restarted: only the membership changed');
    });
  });
});

/** A pod's uid and its container's restarts. */
async function runningPod(cluster: RealCluster, pod: string): Promise<string> {
  const current = await cluster.pod(pod);
  return `${current.metadata?.uid ?? ''} restarts=${String(current.status?.containerStatuses?.[0]?.restartCount ?? 0)}`;
}

/** agent.atomix.io/paused, and the operator's word that it changes nothing now. */
async function pause(cluster: RealCluster, name: string): Promise<void> {
  await cluster.mergePatch(name, { metadata: { annotations: { 'agent.atomix.io/paused': 'true' } } });
  await waitUntil(
    async () => (await cluster.cluster(name)).status?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'Paused'),
    { what: `${name} paused`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 },
  );
}
