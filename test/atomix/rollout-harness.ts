// A rollout observed end to end: a spec change applied while the client node writes and the
// sampler watches readiness; done when every StatefulSet of the cluster runs its update revision
// on Ready pods. Then the writes stop and the counter is read back (linearizable).
import type { V1StatefulSet } from '@kubernetes/client-node';
import { collectionPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { readCounter, type ClientWriter, type WriterReport } from './client-writer.js';
import { membersByGroup, ReadinessSampler, serving, type RolloutObservation } from './readiness-sampler.js';
import { READY_TIMEOUT_MS, type RealCluster } from './real-cluster.js';

export interface Rollout {
  /** From the spec change until every member runs the new revision and is Ready. */
  durationMs: number;
  observation: RolloutObservation;
}

/** Applies a merge patch to the cluster and follows the rollout it causes until it is complete. */
export async function rollout(cluster: RealCluster, spec: AtomixCluster, patch: object, options: { timeoutMs?: number; sampleIntervalMs?: number } = {}): Promise<Rollout> {
  const sampler = new ReadinessSampler(cluster, membersByGroup(spec), options.sampleIntervalMs);
  const startedAt = performance.now();
  try {
    await cluster.mergePatch(spec.metadata.name, patch);
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
