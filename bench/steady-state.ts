// Lets many converged AtomixClusters sit idle with the operator in its own process, and
// prints what the operator did meanwhile: write requests (its own metrics and the audit
// log), lists and watches, reconciles (resyncs), CPU time and memory at start and end.
//
//   npm run bench:steady -- [--minutes 10] [--clusters 100] [--namespaces 10] [--build compiled|tsx]
//
// The operator resyncs every 10 minutes (not configurable from the command line), counted
// from when its caches synced: a window of 10 minutes or more includes one resync; a
// shorter window (e.g. --minutes 1) includes none, and says so.
import {
  ConvergenceTracker,
  auditedOperatorWrites,
  benchClusters,
  benchOptions,
  createCluster,
  createNamespaces,
  describeWrite,
  machineLine,
  memoryRows,
  namespacesOf,
  operatorWrites,
  parseBuild,
  positiveNumber,
  printTable,
  runBenchmark,
  say,
  seconds,
  sleep,
  startEnvironment,
  startOperator,
  waitForQuiet,
  writeOperatorKubeconfig,
  type Cleanup,
  type Metrics,
  type Row,
} from './support.js';

const RSS_TARGET_MIB = 120;
const OPERATOR_RESYNC_MS = 10 * 60_000;
const SCRAPE_INTERVAL_MS = 10_000;

/** Counters compared between the start and the end of the idle window. */
const windowCounters = {
  writeRequests: (m: Metrics) => operatorWrites(m),
  listRequests: (m: Metrics) => m.sum('rest_client_requests_total', { verb: 'list' }),
  watchRequests: (m: Metrics) => m.sum('rest_client_requests_total', { verb: 'watch' }),
  getRequests: (m: Metrics) => m.sum('rest_client_requests_total', { verb: 'get' }),
  failedRequests: (m: Metrics) => m.sum('rest_client_requests_total', { code: 'error' }),
  relists: (m: Metrics) => m.sum('informer_relists_total'),
  reconciles: (m: Metrics) => m.sum('controller_runtime_reconcile_total'),
  reconcileErrors: (m: Metrics) => m.sum('controller_runtime_reconcile_errors_total'),
  cpuSeconds: (m: Metrics) => m.sum('process_cpu_seconds_total'),
};

async function main(cleanup: Cleanup): Promise<void> {
  const options = benchOptions({ minutes: '10', clusters: '100', namespaces: '10', build: 'compiled' });
  const windowMs = positiveNumber('minutes', options.minutes) * 60_000;
  const build = parseBuild(options.build);
  process.stdout.write(`steady-state: ${machineLine()}\n`);

  const environment = await startEnvironment(cleanup);
  const clusters = benchClusters(positiveNumber('clusters', options.clusters), positiveNumber('namespaces', options.namespaces));
  await createNamespaces(environment.admin, namespacesOf(clusters));
  const operator = await startOperator(environment, cleanup, { build, kubeconfigPath: writeOperatorKubeconfig(environment) });
  const resyncDueAt = Date.now() + OPERATOR_RESYNC_MS;
  const tracker = new ConvergenceTracker(environment.admin);
  await tracker.start(cleanup);

  say(`creating ${clusters.length} clusters and waiting for them to converge ...`);
  await Promise.all(clusters.map((cluster) => createCluster(environment.admin, cluster)));
  await tracker.waitForAll(clusters, 300_000);
  say('waiting until the operator has made no write for 15 s ...');
  await waitForQuiet(operator, 15_000, 120_000);

  const windowStart = new Date();
  const atStart = await operator.scrape();
  const memoryAtStart = await operator.memory();
  const convergedAtStart = tracker.convergedNow(clusters);
  say(`idle window of ${seconds(windowMs)} starts; ${resyncLine(resyncDueAt - windowStart.getTime(), windowMs)}`);
  const reconcileBursts = await watchWindow(() => operator.scrape(), windowStart.getTime(), windowMs);
  const atEnd = await operator.scrape();
  const memoryAtEnd = await operator.memory();
  const windowEnd = new Date();
  const audited = auditedOperatorWrites(environment, windowStart).filter((write) => write.time <= windowEnd);
  if (audited.length > 0) say(`operator writes in the window:\n  ${audited.map(describeWrite).join('\n  ')}`);

  const delta = (counter: keyof typeof windowCounters) => windowCounters[counter](atEnd) - windowCounters[counter](atStart);
  const activeSeconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
  const rows: Row[] = [
    { figure: 'idle window', value: seconds(windowEnd.getTime() - windowStart.getTime()) },
    { figure: 'clusters converged at start / end', value: `${convergedAtStart} / ${tracker.convergedNow(clusters)} of ${clusters.length}` },
    { figure: 'write requests (operator metrics)', value: String(delta('writeRequests')), target: '= 0', met: delta('writeRequests') === 0 },
    { figure: "write requests (audit log, operator's user)", value: String(audited.length), target: '= 0', met: audited.length === 0 },
    { figure: 'watch requests (re-watches)', value: String(delta('watchRequests')) },
    ...watchEndRows(atStart, atEnd),
    { figure: 'list requests / informer relists', value: `${delta('listRequests')} / ${delta('relists')}` },
    { figure: 'get requests', value: String(delta('getRequests')) },
    { figure: 'requests without an answer', value: String(delta('failedRequests')) },
    { figure: 'reconciles (errors)', value: `${delta('reconciles')} (${delta('reconcileErrors')})` },
    { figure: 'reconcile bursts (resyncs)', value: reconcileBursts.length ? reconcileBursts.join(', ') : 'none' },
    { figure: 'resync expected in window', value: resyncLine(resyncDueAt - windowStart.getTime(), windowMs) },
    { figure: 'operator CPU time (share of one core)', value: `${delta('cpuSeconds').toFixed(1)} s (${((100 * delta('cpuSeconds')) / activeSeconds).toFixed(2)} %)` },
    ...memoryRows('memory at window start', memoryAtStart, RSS_TARGET_MIB),
    ...memoryRows('memory at window end', memoryAtEnd, RSS_TARGET_MIB),
  ];
  printTable(`${clusters.length} converged clusters idle for ${seconds(windowMs)}, operator build: ${build}`, rows);
}

/**
 * Scrapes every SCRAPE_INTERVAL_MS until the window ends; returns the reconciles seen per
 * interval as "+m:ss ×n" (with nothing changing, only a resync makes the operator reconcile).
 */
async function watchWindow(scrape: () => Promise<Metrics>, start: number, windowMs: number): Promise<string[]> {
  const bursts: string[] = [];
  let previous = await scrape();
  for (let scrapes = 1; Date.now() - start < windowMs; scrapes++) {
    await sleep(Math.min(SCRAPE_INTERVAL_MS, start + windowMs - Date.now()));
    const current = await scrape();
    const reconciles = windowCounters.reconciles(current) - windowCounters.reconciles(previous);
    const offset = clock(Date.now() - start);
    if (reconciles > 0) bursts.push(`+${offset} ×${reconciles}`);
    const writes = windowCounters.writeRequests(current) - windowCounters.writeRequests(previous);
    const aboutAMinute = scrapes % Math.round(60_000 / SCRAPE_INTERVAL_MS) === 0;
    if (writes > 0 || reconciles > 0 || aboutAMinute) {
      say(`  +${offset}: ${writes} writes, ${reconciles} reconciles in the last ${SCRAPE_INTERVAL_MS / 1000} s`);
    }
    previous = current;
  }
  return bursts;
}

function watchEndRows(atStart: Metrics, atEnd: Metrics): Row[] {
  const reasons = atEnd.labelValues('informer_watch_ends_total', 'reason');
  const ends = (m: Metrics, reason: string) => m.sum('informer_watch_ends_total', { reason });
  const value = reasons.map((reason) => `${reason} ${ends(atEnd, reason) - ends(atStart, reason)}`).join(', ');
  return [{ figure: 'informer watch ends by reason', value: value || 'none' }];
}

function resyncLine(dueInMs: number, windowMs: number): string {
  return dueInMs <= windowMs ? `yes, at +${clock(dueInMs)}` : `no (next one due at +${clock(dueInMs)}, after the window)`;
}

/** m:ss */
function clock(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(totalSeconds / 60)}:${String(totalSeconds % 60).padStart(2, '0')}`;
}

// Last, so every declaration above exists when the top-level await runs.
await runBenchmark(main);
