// A rollout observed end to end: a spec change applied while the client node writes and the
// sampler watches readiness; done when every StatefulSet of the cluster runs its update revision
// on Ready pods. Then the writes stop and the counter is read back (linearizable).
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { readCounter, startClientWriter, type ClientWriter, type WriterReport } from './client-writer.js';
import { MANAGEMENT_GROUP, membersByGroup, ReadinessSampler, serving, type RolloutObservation } from './readiness-sampler.js';
import { READY_TIMEOUT_MS, type RealCluster } from './real-cluster.js';

export interface Rollout {
  /** From the spec change until every member runs the new revision and is Ready. */
  durationMs: number;
  observation: RolloutObservation;
}

export interface RolloutOptions {
  timeoutMs?: number;
  sampleIntervalMs?: number;
  /** Runs once the patch is applied, before waiting for the end: to act mid-roll (kill the operator). */
  whileRolling?: (sampler: ReadinessSampler) => Promise<void>;
}

/** Applies a merge patch to the cluster and follows the rollout it causes until it is complete. */
export async function rollout(cluster: RealCluster, spec: AtomixCluster, patch: object, options: RolloutOptions = {}): Promise<Rollout> {
  const sampler = new ReadinessSampler(cluster, membersByGroup(spec), options.sampleIntervalMs);
  const startedAt = performance.now();
  try {
    await cluster.mergePatch(spec.metadata.name, patch);
    await options.whileRolling?.(sampler);
    await waitUntilRolled(cluster, spec.metadata.name, options.timeoutMs);
    return { durationMs: performance.now() - startedAt, observation: await sampler.stop() };
  } finally {
    await sampler.stop();
  }
}

/**
 * Waits until the operator has seen the latest spec (Ready at its generation), each StatefulSet
 * of the cluster has seen its template, and every pod of each runs the StatefulSet's update
 * revision and is Ready.
 */
export async function waitUntilRolled(cluster: RealCluster, name: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  await cluster.waitUntilReady(name, timeoutMs);
  await cluster.explainFailure(() =>
    waitUntil(
      async () => {
        const sets = await cluster.admin.request<{ items: V1StatefulSet[] }>({ method: 'GET', path: collectionPath(resources.statefulSets, cluster.namespace), query: { labelSelector: `app=${name}` } });
        const pods = await cluster.pods(`app=${name}`);
        return sets.items.every((set) => {
          const revision = set.status?.updateRevision;
          const replicas = set.spec?.replicas ?? 0;
          if ((set.status?.observedGeneration ?? 0) < (set.metadata?.generation ?? 0) || !revision) return false;
          const current = pods.filter((pod) => pod.metadata?.labels?.['controller-revision-hash'] === revision && pod.metadata.name?.startsWith(`${set.metadata?.name ?? ''}-`));
          return current.length === replicas && current.every(serving);
        });
      },
      { what: `every pod of ${name} to run its StatefulSet's update revision and be Ready`, timeoutMs, intervalMs: 1000 },
    ),
  );
}

/**
 * Creates the cluster, waits until it is Ready, and starts a client node (on the cluster's
 * version) writing through its discovery Service; returns once it has 20 acknowledged increments.
 */
export async function createWhileWriting(cluster: RealCluster, spec: AtomixCluster): Promise<ClientWriter> {
  await cluster.apply(spec);
  await cluster.waitUntilReady(spec.metadata.name);
  const writer = await startClientWriter(cluster, spec.metadata.name, spec.spec.version);
  await cluster.explainFailure(() => writer.waitForMore(20));
  return writer;
}

export interface WriteOutcome {
  writes: WriterReport;
  /** Read through the client node. */
  counter: number;
  /** Read through a server of the Raft group, as a second, independent session. */
  counterViaServer: number;
}

/** Writes `more` acknowledged increments (the cluster takes writes after the change), stops the writer and reads the counter back. */
export async function finishWrites(cluster: RealCluster, writer: ClientWriter, serverPod: string, more = 20): Promise<WriteOutcome> {
  await writer.waitForMore(more);
  const writes = await writer.stop();
  return { writes, counter: await readCounter(writer.agent), counterViaServer: await readCounter(await cluster.agent(serverPod)) };
}

/**
 * finishWrites through the cluster's first Raft member, said in a diagnostic line, and checked:
 * the counter holds every acknowledged increment.
 */
export async function finishAndCheckCounter(t: { diagnostic(message: string): void }, cluster: RealCluster, writer: ClientWriter, clusterName: string): Promise<WriteOutcome> {
  const outcome = await cluster.explainFailure(() => finishWrites(cluster, writer, names.podName(names.groupStatefulSet(clusterName, 'raft'), 0)));
  t.diagnostic(describeWrites(outcome));
  assertCounterHolds(outcome);
  return outcome;
}

/** `kubectl delete pod` of one member, timed until its replacement (a new uid) is Ready: one member's restart-to-ready. */
export async function restartMember(cluster: RealCluster, pod: string): Promise<number> {
  const before = (await cluster.pod(pod)).metadata?.uid;
  const startedAt = performance.now();
  await cluster.deletePod(pod);
  await cluster.explainFailure(() =>
    waitUntil(
      async () => {
        const current = await cluster.pod(pod);
        return current.metadata?.uid !== before && serving(current);
      },
      { what: `${pod} to be replaced and Ready`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
    ),
  );
  return performance.now() - startedAt;
}

/**
 * What a quorum-safe roll looks like from outside: every listed member replaced; in each group
 * exactly one member down at a time (at least one sample saw it, so the sampler did watch); never
 * members of two groups down in one sample; the management group first, its member back before
 * any data member went down.
 */
export function assertRolledOneAtATime(observation: RolloutObservation, members: Map<string, string[]>): void {
  const context = JSON.stringify(observation.outages);
  for (const [group, pods] of members) {
    assert.equal(observation.maxDown.get(group), 1, `${group}: one member down at a time: ${context}`);
    for (const pod of pods) assert.ok(observation.replacedAtMs.has(pod), `${pod} was replaced`);
  }
  assert.deepEqual(observation.groupsDownTogether, [], `never two groups down at once: ${context}`);
  assert.deepEqual(observation.rollOrder, [...members.keys()], 'the management group first, then the groups in spec order');
  const management = new Set(members.get(MANAGEMENT_GROUP));
  const managementBack = Math.max(...observation.outages.filter((o) => management.has(o.pod)).map((o) => o.toMs ?? Infinity));
  const dataFirstDown = Math.min(...observation.outages.filter((o) => !management.has(o.pod)).map((o) => o.fromMs));
  assert.ok(managementBack <= dataFirstDown, `the management group rolled alone (back at ${managementBack} ms, first data member down at ${dataFirstDown} ms)`);
}

/** No acknowledged increment lost, none invented: only failed increments may have been applied unacknowledged. */
export function assertCounterHolds(outcome: WriteOutcome): void {
  const { writes, counter } = outcome;
  assert.equal(writes.outOfOrder, 0, 'each acknowledged value is above the one before');
  assert.equal(outcome.counterViaServer, counter, 'both linearizable reads agree');
  assert.ok(counter >= writes.acknowledged, `no acknowledged increment lost: counter ${counter} >= acknowledged ${writes.acknowledged}`);
  assert.ok(counter - writes.acknowledged <= writes.failed.length, `counter ${counter}, acknowledged ${writes.acknowledged}, failed ${writes.failed.length}`);
}

/** One line for t.diagnostic: what the writer saw. */
export function describeWrites(outcome: WriteOutcome): string {
  const { writes } = outcome;
  return `acknowledged ${writes.acknowledged}, failed ${writes.failed.length} ${JSON.stringify(writes.failed.slice(0, 5))}, longest write ${writes.longestWriteMs.toFixed(0)} ms, counter ${outcome.counter}`;
}

/** One line for t.diagnostic: what the sampler saw. */
export function describeRollout({ durationMs, observation }: Rollout): string {
  return `rolled in ${(durationMs / 1000).toFixed(1)} s; ${observation.samples} samples, longest gap ${observation.longestGapMs.toFixed(0)} ms; order ${observation.rollOrder.join(' -> ')}; groups down together: ${JSON.stringify(observation.groupsDownTogether)}`;
}

/**
 * Reads a pod's log every 200 ms until the pod is gone or replaced, and returns the last read: the
 * end of what its container wrote. (A followed log is cut off when the pod goes.)
 */
export async function lastLogOf(cluster: RealCluster, pod: string): Promise<string> {
  const uid = (await cluster.pod(pod)).metadata?.uid;
  let last = '';
  for (;;) {
    const current = await cluster.pod(pod).catch(() => undefined);
    if (current?.metadata?.uid !== uid) return last;
    last = await cluster.admin.request<string>({ method: 'GET', path: `${objectPath(resources.pods, cluster.namespace, pod)}/log`, query: { tailLines: '40' } }).catch(() => last);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
