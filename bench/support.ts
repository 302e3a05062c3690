// Shared by the benchmark scripts: a local control plane with the CRD, the operator
// in its own process under its own ServiceAccount, its /metrics, AtomixCluster
// manifests, convergence tracking, audit-log breakdowns and printing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { customResourceDefinition } from '../src/api/crd.js';
import type { AtomixCluster } from '../src/api/schema.js';
import { validateCluster } from '../src/api/validate.js';
import { KubeClient } from '../src/kube/client.js';
import { Informer } from '../src/kube/informer.js';
import { objectKey } from '../src/kube/store.js';
import { collectionPath, objectPath, resources } from '../src/kube/resources.js';
import { writeRequests, type AuditedRequest } from '../src/local/audit-log.js';
import { startControlPlane, type ControlPlane } from '../src/local/control-plane.js';
import { clusterAccessOf, kubeConfigForToken, kubeconfigYaml } from '../src/local/kubeconfig.js';
import { ProcessGroup, type ManagedProcess } from '../src/local/managed-process.js';
import { findFreePort } from '../src/local/ports.js';
import { httpGetStatus, sleep, waitUntil } from '../src/local/readiness.js';
import { renderCluster } from '../src/render/index.js';
import { grantShippedRoleClusterWide } from '../test/support/rbac.js';

export { sleep };

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The compiled operator lives here, not in dist/: bin/atomix-operator.js prefers dist/ and would run a stale build for everyone else. */
const COMPILED_DIR = join(REPO_ROOT, 'bench', '.build', 'dist');

const OPERATOR_NAMESPACE = 'atomix-system';
const OPERATOR_ACCOUNT = 'atomix-operator';
/** How the operator's requests appear in the audit log. */
export const OPERATOR_USER = `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_ACCOUNT}`;

const startedAt = Date.now();

/** Progress goes to stderr, so stdout holds only the figures. */
export function say(line: string): void {
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}

// ---------------------------------------------------------------- running a benchmark

type CleanupStep = () => Promise<void> | void;

/** Undo steps run last-in first-out, on success, failure, Ctrl-C or SIGTERM. */
export class Cleanup {
  private readonly steps: CleanupStep[] = [];

  add(step: CleanupStep): void {
    this.steps.push(step);
  }

  async runAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        say(`cleanup step failed: ${describe(error)}`);
      }
    }
  }
}

/** Runs main with a Cleanup; sets the exit code (1 on failure, 130 when interrupted) and always cleans up. */
export async function runBenchmark(main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await main(cleanup);
  } catch (error) {
    say(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup.runAll();
  }
}

export type OperatorBuild = 'compiled' | 'tsx';

export function parseBuild(value: string): OperatorBuild {
  if (value !== 'compiled' && value !== 'tsx') throw new Error(`--build must be compiled or tsx, not ${value}`);
  return value;
}

/** Command-line options, each also settable as BENCH_<NAME> in the environment. */
export function benchOptions<K extends string>(defaults: Record<K, string>): Record<K, string> {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
    strict: true,
  });
  const fromEnv = (name: K) => process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  return Object.fromEntries(names.map((name) => [name, values[name] ?? fromEnv(name) ?? defaults[name]])) as Record<K, string>;
}

export function positiveNumber(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, not ${value}`);
  return number;
}

// ---------------------------------------------------------------- control plane and identity

export interface BenchEnvironment {
  controlPlane: ControlPlane;
  /** system:masters; what the benchmark itself uses to create and observe. */
  admin: KubeClient;
  /** Bearer token of the operator's ServiceAccount. */
  operatorToken: string;
}

/** A control plane with the CRD and a ServiceAccount for the operator bound to deploy/role.yaml as a ClusterRole. */
export async function startEnvironment(cleanup: Cleanup): Promise<BenchEnvironment> {
  // Our own directory, so it is removed even when we are interrupted while the control plane starts.
  // BENCH_KEEP_DIR=1 keeps it (logs, audit log) for a closer look.
  const dir = mkdtempSync(join(os.tmpdir(), 'atomix-bench-'));
  const keepDir = process.env['BENCH_KEEP_DIR'] === '1';
  cleanup.add(() => (keepDir ? say(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  say('starting the local control plane ...');
  const controlPlane = await startControlPlane({ dir, crds: [customResourceDefinition()], pods: 'simulated', log: (line) => say(`  ${line}`) });
  cleanup.add(async () => {
    say('stopping the control plane ...');
    await controlPlane.stop();
  });
  const admin = new KubeClient(controlPlane.kubeConfig());
  cleanup.add(() => admin.close());
  await createNamespaces(admin, [OPERATOR_NAMESPACE]);
  // The operator watches all namespaces here, so the shipped Role becomes a ClusterRole with the same rules.
  await grantShippedRoleClusterWide(admin, OPERATOR_ACCOUNT, OPERATOR_ACCOUNT, OPERATOR_NAMESPACE);
  const operatorConfig = await controlPlane.serviceAccountKubeConfig(OPERATOR_NAMESPACE, OPERATOR_ACCOUNT);
  const operatorToken = operatorConfig.getCurrentUser()?.token;
  if (!operatorToken) throw new Error('the operator ServiceAccount kubeconfig has no token');
  return { controlPlane, admin, operatorToken };
}

export async function createNamespaces(admin: KubeClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  }
}

/** Writes a kubeconfig for the operator's ServiceAccount, pointed at `server` (default: the apiserver itself). */
export function writeOperatorKubeconfig(environment: BenchEnvironment, server?: string): string {
  const access = clusterAccessOf(environment.controlPlane.kubeConfig());
  const kubeConfig = kubeConfigForToken({ ...access, server: server ?? access.server }, environment.operatorToken, OPERATOR_ACCOUNT);
  const path = join(environment.controlPlane.dir, `operator-${Date.now()}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml(kubeConfig), { mode: 0o600 });
  return path;
}

// ---------------------------------------------------------------- the operator process

export interface OperatorProcess {
  scrape(): Promise<Metrics>;
  memory(): Promise<MemoryFigures>;
}

/**
 * Starts `atomix-operator run` as a child process, watching all namespaces, and waits for
 * /readyz. 'compiled' is what the container runs (tsc output); 'tsx' runs the sources.
 */
export async function startOperator(
  environment: BenchEnvironment,
  cleanup: Cleanup,
  options: { build: OperatorBuild; kubeconfigPath: string; concurrency?: number },
): Promise<OperatorProcess> {
  const entry = options.build === 'compiled' ? [join(COMPILED_DIR, 'cli', 'main.js')] : ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts')];
  if (options.build === 'compiled') compileOperator();
  const metricsPort = await findFreePort();
  const group = new ProcessGroup();
  const logPath = join(environment.controlPlane.dir, `operator-${options.build}.log`);
  const child = group.start({
    name: `atomix-operator (${options.build})`,
    command: process.execPath,
    args: [
      ...entry,
      'run',
      '--kubeconfig',
      options.kubeconfigPath,
      '--metrics-port',
      String(metricsPort),
      '--log-level',
      'warn',
      ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : []),
    ],
    logPath,
  });
  cleanup.add(() => group.stopAll());
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await waitUntil(async () => (await httpGetStatus(`${metricsUrl}/readyz`)) === 200, {
    what: 'the operator to be ready (caches synced)',
    timeoutMs: 60_000,
    processes: [child],
  });
  const pid = child.pid ?? 0;
  say(`operator (${options.build}) ready, pid ${pid}, log ${logPath}`);
  const scrape = async () => {
    assertRunning(child);
    return Metrics.parse(await httpGetText(`${metricsUrl}/metrics`));
  };
  return { scrape, memory: async () => memoryFigures(await scrape(), pid) };
}

function assertRunning(child: ManagedProcess): void {
  if (!child.running) throw child.unexpectedExitError();
}

/** The project's own `npm run build` (tsc -p tsconfig.json), into a private output directory. */
function compileOperator(): void {
  say(`compiling the operator (tsc -p tsconfig.json --outDir ${COMPILED_DIR}) ...`);
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const result = spawnSync(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', COMPILED_DIR], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
}

async function httpGetText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

// ---------------------------------------------------------------- metrics and memory

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One scrape of the Prometheus text format. */
export class Metrics {
  private constructor(private readonly samples: Sample[]) {}

  static parse(text: string): Metrics {
    const samples: Sample[] = [];
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!match || line.startsWith('#')) continue;
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name ?? ''] = value ?? '';
      samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
    }
    return new Metrics(samples);
  }

  /** Sum of the samples of a metric whose labels match; an array matches any of its values. */
  sum(name: string, match: Record<string, string | readonly string[]> = {}): number {
    return this.samples
      .filter((sample) => sample.name === name)
      .filter((sample) =>
        Object.entries(match).every(([label, wanted]) => {
          const value = sample.labels[label] ?? '';
          return typeof wanted === 'string' ? value === wanted : wanted.includes(value);
        }),
      )
      .reduce((total, sample) => total + sample.value, 0);
  }

  /** Values of one label across a metric's samples. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples.filter((s) => s.name === name).map((s) => s.labels[label] ?? ''))].sort();
  }
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** Write requests the operator counted itself (rest_client_requests_total). */
export function operatorWrites(metrics: Metrics): number {
  return metrics.sum('rest_client_requests_total', { verb: WRITE_VERBS });
}

export interface MemoryFigures {
  /** process_resident_memory_bytes from the operator's /metrics. */
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** VmHWM from /proc: the highest RSS the process ever had. */
  peakRssBytes: number;
}

function memoryFigures(metrics: Metrics, pid: number): MemoryFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return {
    rssBytes: metrics.sum('process_resident_memory_bytes'),
    heapUsedBytes: metrics.sum('nodejs_heap_size_used_bytes'),
    heapTotalBytes: metrics.sum('nodejs_heap_size_total_bytes'),
    peakRssBytes: kib('VmHWM'),
  };
}

/**
 * RSS of a bare Node process, and of one that only imports @kubernetes/client-node (which
 * the operator imports): the floor under the operator's own figures.
 */
export function nodeBaselineRows(): Row[] {
  const rssAfter = (script: string) => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', `${script}; process.stdout.write(String(process.memoryUsage().rss))`], { cwd: REPO_ROOT, encoding: 'utf8' });
    return Number(result.stdout);
  };
  return [
    { figure: 'for comparison: RSS of a bare node process', value: mib(rssAfter('')) },
    { figure: "for comparison: RSS of node after import('@kubernetes/client-node')", value: mib(rssAfter("await import('@kubernetes/client-node')")) },
  ];
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function memoryRows(label: string, memory: MemoryFigures, limitMib: number): Row[] {
  return [
    { figure: `${label}: RSS`, value: mib(memory.rssBytes), target: `<= ${limitMib} MiB`, met: memory.rssBytes <= limitMib * 2 ** 20 },
    { figure: `${label}: heap used / heap total`, value: `${mib(memory.heapUsedBytes)} / ${mib(memory.heapTotalBytes)}` },
    { figure: `${label}: peak RSS so far (VmHWM)`, value: mib(memory.peakRssBytes) },
  ];
}

// ---------------------------------------------------------------- clusters

export interface ClusterRef {
  namespace: string;
  name: string;
}

export const keyOf = (ref: ClusterRef) => `${ref.namespace}/${ref.name}`;

/** `count` cluster names spread round-robin over `namespaceCount` namespaces. */
export function benchClusters(count: number, namespaceCount: number): ClusterRef[] {
  return Array.from({ length: count }, (_, index) => ({
    namespace: `bench-${index % namespaceCount}`,
    name: `cluster-${String(index).padStart(3, '0')}`,
  }));
}

export function namespacesOf(clusters: readonly ClusterRef[]): string[] {
  return [...new Set(clusters.map((cluster) => cluster.namespace))];
}

/** deploy/crds/atomixcluster_cr.yaml (management group of 1, raft group of 3) under another name. */
export function exampleManifest(ref: ClusterRef): AtomixCluster {
  const example = parse(readFileSync(join(REPO_ROOT, 'deploy', 'crds', 'atomixcluster_cr.yaml'), 'utf8')) as AtomixCluster;
  return { ...example, metadata: { ...example.metadata, name: ref.name, namespace: ref.namespace } };
}

/** How many objects the operator renders for the example: the "one write per owned object" budget. */
export function ownedObjectsPerCluster(): number {
  const validated = validateCluster(exampleManifest({ namespace: 'default', name: 'example' }));
  if (!validated.ok) throw new Error(`the example does not validate: ${JSON.stringify(validated.errors)}`);
  return renderCluster(validated.cluster).length;
}

export async function createCluster(admin: KubeClient, ref: ClusterRef): Promise<void> {
  await admin.request({ method: 'POST', path: collectionPath(resources.atomixClusters, ref.namespace), body: exampleManifest(ref) });
}

/** `kubectl patch --type=merge` of a partition group's size (the example has one group). */
export async function resizePartitionGroup(admin: KubeClient, ref: ClusterRef, size: number): Promise<void> {
  const cluster = await admin.request<AtomixCluster>({ method: 'GET', path: objectPath(resources.atomixClusters, ref.namespace, ref.name) });
  const groups = (cluster.spec.partitionGroups ?? []).map((group) => ({ ...group, size }));
  await admin.request({
    method: 'PATCH',
    path: objectPath(resources.atomixClusters, ref.namespace, ref.name),
    body: { spec: { partitionGroups: groups } },
    contentType: 'application/merge-patch+json',
  });
}

/** Ready=True for the current spec: the operator has seen this generation and every group runs. */
export function isConverged(cluster: AtomixCluster): boolean {
  const ready = cluster.status?.conditions?.find((condition) => condition.type === 'Ready');
  return ready?.status === 'True' && cluster.status?.observedGeneration === cluster.metadata.generation;
}

/** Watches AtomixClusters as admin and remembers when each first converged. */
export class ConvergenceTracker {
  private readonly informer: Informer<AtomixCluster & KubernetesObject>;
  private readonly firstConverged = new Map<string, number>();

  constructor(admin: KubeClient) {
    this.informer = new Informer<AtomixCluster & KubernetesObject>({ transport: admin, resource: resources.atomixClusters });
    const observe = (cluster: AtomixCluster & KubernetesObject) => {
      const key = objectKey(cluster);
      if (isConverged(cluster) && !this.firstConverged.has(key)) this.firstConverged.set(key, Date.now());
    };
    this.informer.addHandler({ onAdd: observe, onUpdate: (_before, cluster) => observe(cluster) });
  }

  async start(cleanup: Cleanup): Promise<void> {
    this.informer.start();
    cleanup.add(() => this.informer.stop());
    await this.informer.waitForSync();
  }

  convergedAt(ref: ClusterRef): number | undefined {
    return this.firstConverged.get(keyOf(ref));
  }

  /** Clusters whose cached state is converged right now. */
  convergedNow(refs: readonly ClusterRef[]): number {
    return refs.filter((ref) => {
      const cluster = this.informer.store.get(ref.namespace, ref.name);
      return cluster !== undefined && isConverged(cluster);
    }).length;
  }

  async waitForAll(refs: readonly ClusterRef[], timeoutMs: number): Promise<void> {
    let reported = -1;
    await waitUntil(
      () => {
        const done = refs.filter((ref) => this.firstConverged.has(keyOf(ref))).length;
        if (done !== reported && (done === refs.length || done % 10 === 0)) say(`  ${done}/${refs.length} clusters converged`);
        reported = done;
        return Promise.resolve(done === refs.length);
      },
      { what: `${refs.length} clusters to converge`, timeoutMs, intervalMs: 100 },
    );
  }
}

/** Waits until the operator has made no write for `quietMs` (pending status coalescing, events). */
export async function waitForQuiet(operator: OperatorProcess, quietMs: number, timeoutMs: number): Promise<void> {
  let last = operatorWrites(await operator.scrape());
  let quietSince = Date.now();
  await waitUntil(
    async () => {
      const writes = operatorWrites(await operator.scrape());
      if (writes !== last) [last, quietSince] = [writes, Date.now()];
      return Date.now() - quietSince >= quietMs;
    },
    { what: `the operator to make no write for ${quietMs / 1000} s`, timeoutMs, intervalMs: 1000 },
  );
}

// ---------------------------------------------------------------- audit log

export type WriteKind = 'owned-object applies' | 'status writes' | 'events' | 'other writes';
export const WRITE_KINDS: readonly WriteKind[] = ['owned-object applies', 'status writes', 'events', 'other writes'];

export function kindOfWrite(request: AuditedRequest): WriteKind {
  if (request.resource === 'events') return 'events';
  if (request.subresource === 'status') return 'status writes';
  if (request.verb === 'patch' && !request.subresource) return 'owned-object applies';
  return 'other writes';
}

/** The operator's writes in the audit log since `since`. */
export function auditedOperatorWrites(environment: BenchEnvironment, since: Date): AuditedRequest[] {
  return writeRequests(environment.controlPlane.auditLogPath, { user: OPERATOR_USER, since });
}

/** The cluster a write was about: its own name, an owned object named <cluster>-…, or an Event named <cluster>.… */
export function clusterOfWrite(request: AuditedRequest, clusters: readonly ClusterRef[]): ClusterRef | undefined {
  const name = request.name ?? '';
  return clusters.find(
    (cluster) =>
      cluster.namespace === request.namespace &&
      (name === cluster.name || name.startsWith(`${cluster.name}-`) || name.startsWith(`${cluster.name}.`)),
  );
}

export function describeWrite(request: AuditedRequest): string {
  const resource = request.subresource ? `${request.resource ?? '?'}/${request.subresource}` : request.resource;
  return `${request.verb} ${resource ?? '?'} ${request.namespace ?? ''}/${request.name ?? ''} -> ${request.code ?? '?'}`;
}

// ---------------------------------------------------------------- figures

export interface Row {
  figure: string;
  value: string;
  target?: string;
  /** undefined: informational only. */
  met?: boolean;
}

/** Prints a titled list of figures to stdout; a target and whether it is met follow the value. */
export function printTable(title: string, rows: readonly Row[]): void {
  const figureWidth = Math.max(...rows.map((row) => row.figure.length));
  const lines = rows.map((row) => {
    const verdict = row.met === undefined ? '' : row.met ? ': MET' : ': NOT MET';
    const target = row.target === undefined ? '' : `   [target ${row.target}${verdict}]`;
    return `  ${row.figure.padEnd(figureWidth)}  ${row.value}${target}`;
  });
  process.stdout.write(`\n${title}\n${'-'.repeat(title.length)}\n${lines.join('\n')}\n`);
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function machineLine(): string {
  return `${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
