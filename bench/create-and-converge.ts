// Creates many AtomixClusters at once against a fresh local control plane, with the
// operator in its own process, and prints how long they take to converge, how many
// writes each cluster cost by kind (from the audit log), and the operator's memory.
//
//   npm run bench:converge -- [--clusters 100] [--namespaces 10] [--build compiled|tsx|both] [--timeout 300] [--concurrency N]
//
// --concurrency is passed to `atomix-operator run` (clusters reconciled at once); without it the operator's default applies.
import { writeRequests, type AuditedRequest } from '../src/local/audit-log.js';
import {
  Cleanup,
  ConvergenceTracker,
  OPERATOR_USER,
  WRITE_KINDS,
  auditedOperatorWrites,
  benchClusters,
  benchOptions,
  clusterOfWrite,
  createCluster,
  createNamespaces,
  describeWrite,
  keyOf,
  kindOfWrite,
  machineLine,
  memoryRows,
  namespacesOf,
  nodeBaselineRows,
  operatorWrites,
  ownedObjectsPerCluster,
  parseBuild,
  percentile,
  positiveNumber,
  printTable,
  runBenchmark,
  say,
  seconds,
  startEnvironment,
  startOperator,
  waitForQuiet,
  writeOperatorKubeconfig,
  type ClusterRef,
  type OperatorBuild,
  type Row,
  type WriteKind,
} from './support.js';

const CONVERGENCE_TARGET_MS = 30_000;
const RSS_TARGET_MIB = 120;
const STATUS_WRITES_BUDGET = 2;

interface Settings {
  clusters: number;
  namespaces: number;
  timeoutMs: number;
  concurrency: number | undefined;
}

async function main(cleanup: Cleanup): Promise<void> {
  const options = benchOptions({ clusters: '100', namespaces: '10', build: 'both', timeout: '300', concurrency: '' });
  const settings: Settings = {
    clusters: positiveNumber('clusters', options.clusters),
    namespaces: positiveNumber('namespaces', options.namespaces),
    timeoutMs: positiveNumber('timeout', options.timeout) * 1000,
    concurrency: options.concurrency ? positiveNumber('concurrency', options.concurrency) : undefined,
  };
  const builds: OperatorBuild[] = options.build === 'both' ? ['compiled', 'tsx'] : [parseBuild(options.build)];
  process.stdout.write(`create-and-converge: ${machineLine()}\n`);
  for (const build of builds) {
    // Each build gets a fresh control plane, so the second run starts from the same state as the first.
    const run = new Cleanup();
    cleanup.add(() => run.runAll());
    await measure(build, settings, run);
    await run.runAll();
  }
}

async function measure(build: OperatorBuild, settings: Settings, cleanup: Cleanup): Promise<void> {
  const environment = await startEnvironment(cleanup);
  const clusters = benchClusters(settings.clusters, settings.namespaces);
  await createNamespaces(environment.admin, namespacesOf(clusters));
  const kubeconfigPath = writeOperatorKubeconfig(environment);
  const operator = await startOperator(environment, cleanup, { build, kubeconfigPath, ...(settings.concurrency ? { concurrency: settings.concurrency } : {}) });
  const memoryBeforeClusters = await operator.memory();
  const tracker = new ConvergenceTracker(environment.admin);
  await tracker.start(cleanup);

  say(`creating ${clusters.length} clusters at once ...`);
  const since = new Date();
  const createdAt = new Map<string, number>();
  await Promise.all(
    clusters.map((cluster) => {
      createdAt.set(keyOf(cluster), Date.now());
      return createCluster(environment.admin, cluster);
    }),
  );
  await tracker.waitForAll(clusters, settings.timeoutMs);
  const perCluster = clusters.map((cluster) => (tracker.convergedAt(cluster) ?? NaN) - (createdAt.get(keyOf(cluster)) ?? NaN));
  const allConvergedMs = Math.max(...clusters.map((cluster) => tracker.convergedAt(cluster) ?? NaN)) - since.getTime();
  const memoryAtConvergence = await operator.memory();

  say('waiting until the operator has made no write for 15 s (coalesced status, events) ...');
  await waitForQuiet(operator, 15_000, 120_000);
  const memoryAfterSettling = await operator.memory();
  const audited = auditedOperatorWrites(environment, since);
  const counted = operatorWrites(await operator.scrape());
  const everyWrite = writeRequests(environment.controlPlane.auditLogPath, { since });

  const concurrency = settings.concurrency ? `--concurrency ${settings.concurrency}` : 'default concurrency';
  printTable(`${clusters.length} clusters created at once, operator build: ${build}, ${concurrency}`, [
    { figure: 'clusters / namespaces / owned objects per cluster', value: `${clusters.length} / ${settings.namespaces} / ${ownedObjectsPerCluster()}` },
    { figure: 'all converged after (Ready=True, observedGeneration current)', value: seconds(allConvergedMs), target: `<= ${seconds(CONVERGENCE_TARGET_MS)}`, met: allConvergedMs <= CONVERGENCE_TARGET_MS },
    { figure: 'per-cluster convergence p50 / p95 / max', value: [50, 95, 100].map((p) => seconds(percentile(perCluster, p))).join(' / ') },
    { figure: 'still converged after settling', value: `${tracker.convergedNow(clusters)}/${clusters.length}` },
    ...writeRows(audited, clusters),
    ...pipelineRows(everyWrite, since.getTime()),
    ...writerRows(everyWrite),
    { figure: 'operator writes: audit log / operator metrics', value: `${audited.length} / ${counted}`, target: 'equal', met: audited.length === counted },
    ...memoryRows('memory before any cluster (caches synced)', memoryBeforeClusters, RSS_TARGET_MIB),
    ...memoryRows('memory right after convergence', memoryAtConvergence, RSS_TARGET_MIB),
    ...memoryRows('memory after writes settled', memoryAfterSettling, RSS_TARGET_MIB),
    ...nodeBaselineRows(),
  ]);
}

/** Writes per cluster, by kind, as "value (number of clusters)" so outliers stay visible. */
function writeRows(audited: AuditedRequest[], clusters: readonly ClusterRef[]): Row[] {
  const counts = new Map<string, Record<WriteKind, number>>(clusters.map((cluster) => [keyOf(cluster), { 'owned-object applies': 0, 'status writes': 0, events: 0, 'other writes': 0 }]));
  const unattributed: AuditedRequest[] = [];
  for (const write of audited) {
    const cluster = clusterOfWrite(write, clusters);
    const perKind = cluster && counts.get(keyOf(cluster));
    if (perKind) perKind[kindOfWrite(write)]++;
    else unattributed.push(write);
  }
  const values = (kind: WriteKind) => [...counts.values()].map((perKind) => perKind[kind]);
  const budgets: Partial<Record<WriteKind, number>> = { 'owned-object applies': ownedObjectsPerCluster(), 'status writes': STATUS_WRITES_BUDGET, 'other writes': 0 };
  const failed = audited.filter((write) => (write.code ?? 0) >= 300);
  if (failed.length > 0) say(`non-2xx operator writes:\n  ${failed.map(describeWrite).join('\n  ')}`);
  return [
    ...WRITE_KINDS.map((kind) => {
      const budget = budgets[kind];
      return {
        figure: `writes per cluster: ${kind}${kind === 'events' ? ' (one per reconcile that changed something)' : ''}`,
        value: histogram(values(kind)),
        ...(budget === undefined ? {} : { target: `<= ${budget}`, met: Math.max(...values(kind)) <= budget }),
      };
    }),
    { figure: 'operator writes not about a benchmark cluster', value: String(unattributed.length), target: '= 0', met: unattributed.length === 0 },
    { figure: 'operator writes answered with a non-2xx code', value: String(failed.length) },
  ];
}

/**
 * Where the time goes: each step between "cluster created" and "cluster Ready" is a kind of
 * successful write in the audit log, by the operator or by a control-plane component
 * (user names as src/local/control-plane.ts sets them up).
 */
const PIPELINE: { step: string; matches: (write: AuditedRequest) => boolean }[] = [
  { step: 'operator applies owned objects', matches: (w) => w.user === OPERATOR_USER && kindOfWrite(w) === 'owned-object applies' },
  { step: 'StatefulSet controller creates pods', matches: (w) => w.user === 'system:kube-controller-manager' && w.verb === 'create' && w.resource === 'pods' && !w.subresource },
  { step: 'scheduler binds pods', matches: (w) => w.user === 'system:kube-scheduler' && w.subresource === 'binding' },
  { step: 'node agent reports pods running', matches: (w) => w.user === 'local:node-agent' && w.resource === 'pods' && w.subresource === 'status' },
  { step: 'StatefulSet controller updates status', matches: (w) => w.user === 'system:kube-controller-manager' && w.resource === 'statefulsets' && w.subresource === 'status' },
  { step: 'operator writes cluster status', matches: (w) => w.user === OPERATOR_USER && kindOfWrite(w) === 'status writes' },
];

function pipelineRows(writes: readonly AuditedRequest[], since: number): Row[] {
  const succeeded = writes.filter((write) => (write.code ?? 0) < 300);
  return PIPELINE.map(({ step, matches }) => {
    const offsets = succeeded.filter(matches).map((write) => write.time.getTime() - since);
    const value = offsets.length === 0 ? 'none' : `${offsets.length} writes, p50 at ${seconds(percentile(offsets, 50))}, last at ${seconds(Math.max(...offsets))}`;
    return { figure: `timeline: ${step}`, value };
  });
}

/** Who writes how fast: the components' API clients are rate limited (kube-controller-manager --kube-api-qps=100, kube-scheduler 50 by default). */
const WRITERS = [
  ['operator', OPERATOR_USER],
  ['kube-controller-manager', 'system:kube-controller-manager'],
  ['kube-scheduler', 'system:kube-scheduler'],
  ['node agent', 'local:node-agent'],
] as const;

function writerRows(writes: readonly AuditedRequest[]): Row[] {
  return WRITERS.map(([writer, user]) => {
    const own = writes.filter((write) => write.user === user);
    const perSecond = countBy(own, (write) => String(Math.floor(write.time.getTime() / 1000)));
    const perResource = [...countBy(own, (write) => [write.resource, write.subresource].filter(Boolean).join('/'))]
      .sort(([, a], [, b]) => b - a)
      .slice(0, 4)
      .map(([resource, count]) => `${resource} ${count}`);
    const busiest = Math.max(0, ...perSecond.values());
    return { figure: `writes by ${writer}`, value: `${own.length} in ${perSecond.size} s, busiest second ${busiest}; ${perResource.join(', ')}` };
  });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** "8 ×100" or "2 ×97, 3 ×3": each distinct value with how many clusters had it. */
function histogram(values: readonly number[]): string {
  const byValue = new Map<number, number>();
  for (const value of values) byValue.set(value, (byValue.get(value) ?? 0) + 1);
  return [...byValue].sort(([a], [b]) => a - b).map(([value, clusters]) => `${value} ×${clusters}`).join(', ');
}

// Last, so every declaration above exists when the top-level await runs.
await runBenchmark(main);
