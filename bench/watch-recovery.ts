// Breaks the operator's connections to the apiserver (through a TCP proxy on loopback),
// changes AtomixClusters while they are broken, and prints how long the operator takes
// to apply the change, for a reset connection and for a silent one.
//
//   npm run bench:watch -- [--trials 5] [--build compiled|tsx]
//
// Each trial: wait a random 0-9 s (so the fault hits the watches at a random age), break
// every open connection, then resize cluster A's partition group twice (only the last
// size may win) and cluster B's once. Recovered = both StatefulSets have the last size;
// no update lost = that, plus each cluster's status observes its latest generation.
import type { AtomixCluster } from '../src/api/schema.js';
import { names } from '../src/api/names.js';
import type { KubeClient } from '../src/kube/client.js';
import { objectPath, resources } from '../src/kube/resources.js';
import { waitUntil } from '../src/local/readiness.js';
import { FaultProxy } from './fault-proxy.js';
import {
  ConvergenceTracker,
  benchClusters,
  benchOptions,
  createCluster,
  createNamespaces,
  isConverged,
  machineLine,
  namespacesOf,
  parseBuild,
  positiveNumber,
  printTable,
  resizePartitionGroup,
  runBenchmark,
  say,
  seconds,
  sleep,
  startEnvironment,
  startOperator,
  writeOperatorKubeconfig,
  type Cleanup,
  type ClusterRef,
  type Metrics,
  type OperatorProcess,
  type Row,
} from './support.js';

const RECOVERY_TARGET_MS = 10_000;
/** The informers' server-side watch timeout is 7 s: a random phase in 0-9 s covers a whole watch. */
const MAX_PHASE_MS = 9_000;
const PARTITION_GROUP = 'raft';
const BASE_SIZE = 3;
/** A change not applied by then counts as lost. */
const GIVE_UP_MS = 60_000;

type Fault = 'reset' | 'silent';

interface Trial {
  fault: Fault;
  connectionsBroken: number;
  changesMadeMs: number;
  appliedMs: number;
  statusObservedMs: number;
  watchEnds: string;
  failedRequests: number;
}

async function main(cleanup: Cleanup): Promise<void> {
  const options = benchOptions({ trials: '5', build: 'compiled' });
  const trials = positiveNumber('trials', options.trials);
  const build = parseBuild(options.build);
  process.stdout.write(`watch-recovery: ${machineLine()}\n`);

  const environment = await startEnvironment(cleanup);
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: Number(new URL(environment.controlPlane.server).port) });
  cleanup.add(() => proxy.close());
  const viaProxy = writeOperatorKubeconfig(environment, `https://127.0.0.1:${proxy.port}`);
  const [clusterA, clusterB] = benchClusters(2, 2) as [ClusterRef, ClusterRef];
  await createNamespaces(environment.admin, namespacesOf([clusterA, clusterB]));
  const operator = await startOperator(environment, cleanup, { build, kubeconfigPath: viaProxy });
  const tracker = new ConvergenceTracker(environment.admin);
  await tracker.start(cleanup);
  await Promise.all([clusterA, clusterB].map((cluster) => createCluster(environment.admin, cluster)));
  await tracker.waitForAll([clusterA, clusterB], 120_000);

  const results: Trial[] = [];
  const sizes = new Map([clusterA, clusterB].map((cluster) => [cluster, BASE_SIZE]));
  for (const fault of ['reset', 'silent'] as const) {
    for (let trial = 1; trial <= trials; trial++) {
      const phaseMs = Math.random() * MAX_PHASE_MS;
      say(`${fault} #${trial}: fault in ${seconds(phaseMs)} ...`);
      await sleep(phaseMs);
      results.push(await breakAndChange(fault, proxy, operator, environment.admin, sizes));
      const last = results.at(-1);
      say(`${fault} #${trial}: changes sent within ${seconds(last?.changesMadeMs ?? NaN)} of the fault; applied after ${seconds(last?.appliedMs ?? NaN)}, status observed after ${seconds(last?.statusObservedMs ?? NaN)}`);
    }
  }

  const rows: Row[] = results.map((result, index) => ({
    figure: `${result.fault} #${(index % trials) + 1}: ${result.connectionsBroken} connections broken; watch ends ${result.watchEnds}; unanswered requests ${result.failedRequests}`,
    value: `${seconds(result.appliedMs)} (status ${seconds(result.statusObservedMs)})`,
    target: `<= ${seconds(RECOVERY_TARGET_MS)}`,
    met: result.appliedMs <= RECOVERY_TARGET_MS,
  }));
  for (const fault of ['reset', 'silent'] as const) {
    const ofFault = results.filter((result) => result.fault === fault);
    const worst = (pick: (result: Trial) => number) => Math.max(...ofFault.map(pick));
    rows.push({
      figure: `${fault}: worst recovery, fault -> StatefulSets resized (status observes the generation)`,
      value: `${seconds(worst((r) => r.appliedMs))} (status ${seconds(worst((r) => r.statusObservedMs))})`,
      target: `<= ${seconds(RECOVERY_TARGET_MS)}`,
      met: worst((r) => r.appliedMs) <= RECOVERY_TARGET_MS,
    });
  }
  const lost = results.filter((result) => !Number.isFinite(result.appliedMs) || !Number.isFinite(result.statusObservedMs)).length;
  rows.push({ figure: `trials with a lost update (last size not applied or generation not observed within ${seconds(GIVE_UP_MS)})`, value: String(lost), target: '= 0', met: lost === 0 });
  printTable(`watch recovery, operator build: ${build}, ${trials} trial(s) per fault, through a TCP proxy`, rows);
}

/** One trial: break the connections, make the changes, time the operator's catching up. */
async function breakAndChange(
  fault: Fault,
  proxy: FaultProxy,
  operator: OperatorProcess,
  admin: KubeClient,
  sizes: Map<ClusterRef, number>,
): Promise<Trial> {
  const before = await operator.scrape();
  const faultAt = Date.now();
  const connectionsBroken = fault === 'reset' ? proxy.resetAll() : proxy.silenceAll();
  const [clusterA, clusterB] = [...sizes.keys()] as [ClusterRef, ClusterRef];
  const targets = new Map([...sizes].map(([cluster, size]) => [cluster, size === BASE_SIZE ? BASE_SIZE + (cluster === clusterA ? 2 : 1) : BASE_SIZE]));
  // A passes through an intermediate size that must not be the one that sticks.
  await resizePartitionGroup(admin, clusterA, BASE_SIZE + 1);
  for (const [cluster, size] of targets) await resizePartitionGroup(admin, cluster, size);
  const changesMadeMs = Date.now() - faultAt;

  const both = async (check: (cluster: ClusterRef) => Promise<boolean>) => (await Promise.all([clusterA, clusterB].map(check))).every(Boolean);
  const appliedMs = await msUntil(faultAt, () => both(async (c) => (await replicas(admin, c)) === targets.get(c)));
  // Ready may also wait for new pods, which is not the operator's doing: the generation is what it must observe.
  const statusObservedMs = await msUntil(faultAt, () => both(async (c) => observesLatestGeneration(await getCluster(admin, c))));
  if (Number.isFinite(statusObservedMs)) {
    await waitUntil(() => both(async (c) => isConverged(await getCluster(admin, c))), { what: 'both clusters to converge before the next trial', timeoutMs: 120_000 });
  }
  const after = await operator.scrape();
  proxy.dropSilenced();
  for (const [cluster, size] of targets) sizes.set(cluster, size);
  return { fault, connectionsBroken, changesMadeMs, appliedMs, statusObservedMs, watchEnds: watchEndsBetween(before, after), failedRequests: failedBetween(before, after) };
}

/** Milliseconds from `since` until check holds, polled every 50 ms; Infinity if it never does within GIVE_UP_MS. */
async function msUntil(since: number, check: () => Promise<boolean>): Promise<number> {
  while (Date.now() - since < GIVE_UP_MS) {
    if (await check().catch(() => false)) return Date.now() - since;
    await sleep(50);
  }
  return Infinity;
}

async function replicas(admin: KubeClient, cluster: ClusterRef): Promise<number | undefined> {
  const path = objectPath(resources.statefulSets, cluster.namespace, names.groupStatefulSet(cluster.name, PARTITION_GROUP));
  return (await admin.request<{ spec?: { replicas?: number } }>({ method: 'GET', path })).spec?.replicas;
}

function getCluster(admin: KubeClient, cluster: ClusterRef): Promise<AtomixCluster> {
  return admin.request<AtomixCluster>({ method: 'GET', path: objectPath(resources.atomixClusters, cluster.namespace, cluster.name) });
}

function observesLatestGeneration(cluster: AtomixCluster): boolean {
  return cluster.status?.observedGeneration === cluster.metadata.generation;
}

function watchEndsBetween(before: Metrics, after: Metrics): string {
  const ends = (m: Metrics, reason: string) => m.sum('informer_watch_ends_total', { reason });
  return after
    .labelValues('informer_watch_ends_total', 'reason')
    .map((reason) => [reason, ends(after, reason) - ends(before, reason)] as const)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
}

function failedBetween(before: Metrics, after: Metrics): number {
  const failed = (m: Metrics) => m.sum('rest_client_requests_total', { code: 'error' });
  return failed(after) - failed(before);
}

// Last, so every declaration above exists when the top-level await runs.
await runBenchmark(main);
