// Runs what the operator renders for an AtomixCluster on this machine: one JVM per pod the
// StatefulSets would create, started with the pod's rendered container arguments and the
// rendered ConfigMap as its config file. Only what cannot exist outside Kubernetes is
// replaced, all of it in localizeArgs().
//
// Every pod runs the agent stand-in (tools/atomix-agent), the benchmark pods too: atomix-bench
// was never published, and in agent mode it is a client-only Atomix node like the agent with a
// config that has no groups. Its leading `agent` subcommand reaches the agent's parser as an
// unknown positional argument, which the parser (like the real agent's) ignores.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { renderCluster, DEFAULT_RENDER_OPTIONS, isKind, type KubeObject } from '../../src/render/index.js';
import { names, serviceFqdn } from '../../src/api/names.js';
import { ATOMIX_CONFIG_FILE } from '../../src/render/config-map.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { ProcessGroup, type ManagedProcess } from '../../src/local/managed-process.js';
import { findFreePort } from '../../src/local/ports.js';
import { httpGetStatus, sleep } from '../../src/local/readiness.js';
import { rssMiB } from '../support/processes.js';
import { AGENT_MAIN_CLASS, JVM_OPTIONS } from './atomix-launcher.js';

const AGENT_CONTAINER = 'atomix';

/** A pod as the StatefulSet controller would create it. */
export interface RenderedPod {
  name: string;
  namespace: string;
  statefulSet: string;
  governingService: string;
  labels: Record<string, string>;
  container: V1Container;
  /** The files of each configMap volume, by volume name. */
  configMapVolumes: Map<string, Record<string, string>>;
}

/** Where one pod runs on this machine. */
interface LocalSite {
  nodePort: number;
  httpPort: number;
  /** Host directory backing each volume mount, by mount path. */
  mountDirs: Map<string, string>;
  /** `id@host:port` of the management nodes on loopback. */
  bootstrap: string[];
}

export interface LocalNode {
  readonly pod: string;
  readonly statefulSet: string;
  readonly httpUrl: string;
  readonly logPath: string;
  readonly startedAt: number;
  /** The current container process; replaced when the node is restarted. */
  process: ManagedProcess;
  restarts: number;
  readyAfterMs?: number;
  /** Set once the node has exited more often than the cluster restarts it. */
  crashLoop?: Error;
}

export interface LocalClusterOptions {
  /**
   * Like the kubelet's restartPolicy Always, a node that exits is started again, this many
   * times at most. The launcher exits when Atomix.start() fails, which Atomix 3.1 does on
   * start-up races (see the report), and Kubernetes would restart the container.
   */
  maxRestarts: number;
}

const DEFAULT_OPTIONS: LocalClusterOptions = { maxRestarts: 3 };
const RESTART_BACKOFF_MS = 5_000;
const READY_POLL_MS = 500;

export function podsOf(objects: readonly KubeObject[]): RenderedPod[] {
  const configMaps = new Map(objects.filter(isKind('ConfigMap')).map((configMap) => [configMap.metadata.name, configMap.data ?? {}]));
  return objects.filter(isKind('StatefulSet')).flatMap((sts) => {
    const { name, namespace } = sts.metadata;
    const spec = sts.spec;
    const podSpec = spec?.template.spec;
    if (!spec || !podSpec) throw new Error(`StatefulSet ${name} has no pod template spec`);
    const container = podSpec.containers.find((c) => c.name === AGENT_CONTAINER);
    if (!container) throw new Error(`StatefulSet ${name} has no ${AGENT_CONTAINER} container`);
    const configMapVolumes = new Map<string, Record<string, string>>();
    for (const volume of podSpec.volumes ?? []) {
      if (!volume.configMap?.name) continue;
      const data = configMaps.get(volume.configMap.name);
      if (!data) throw new Error(`StatefulSet ${name} mounts ConfigMap ${volume.configMap.name}, which is not rendered`);
      configMapVolumes.set(volume.name, data);
    }
    return Array.from({ length: spec.replicas ?? 1 }, (_, ordinal) => ({
      name: names.podName(name, ordinal),
      namespace,
      statefulSet: name,
      governingService: spec.serviceName ?? '',
      labels: spec.template.metadata?.labels ?? {},
      container,
      configMapVolumes,
    }));
  });
}

/**
 * The container's environment as the kubelet builds it. Each pod is placed on a Kubernetes
 * node of its own, as the rendered anti-affinity prefers.
 */
export function containerEnv(pod: RenderedPod): Record<string, string> {
  const downwardApi: Record<string, string> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'spec.nodeName': `node-of-${pod.name}`,
  };
  const env: Record<string, string> = {};
  for (const variable of pod.container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = expandVars(variable.value, env);
    } else if (variable.valueFrom?.fieldRef && variable.valueFrom.fieldRef.fieldPath in downwardApi) {
      env[variable.name] = downwardApi[variable.valueFrom.fieldRef.fieldPath] as string;
    } else {
      throw new Error(`pod ${pod.name}: env ${variable.name} has a source the local harness cannot provide`);
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion: defined variables are substituted, `$$` escapes, the rest stays. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? match),
  );
}

/**
 * Everything this harness changes in a pod's expanded arguments, because it only exists in
 * Kubernetes:
 * - the pod's DNS address (`--address <pod>.<service>...:5679`) becomes 127.0.0.1 on a port of
 *   its own, since all nodes share one loopback interface;
 * - the HTTP port becomes a port of its own, bound to 127.0.0.1 (`--http-host`);
 * - DNS discovery becomes `--bootstrap` with the loopback addresses of the pods the DNS lookup
 *   would return (discoveredPods); the agent's flag replaces the configured discovery, exactly
 *   as in the real agent;
 * - messaging (TCP and UDP gossip) binds 127.0.0.1 instead of 0.0.0.0, through the agent's
 *   `--<config key> <value>` override;
 * - paths under a volume mount (the ConfigMap at /etc/atomix, the data volume) point to this
 *   pod's copy of that volume.
 */
export function localizeArgs(pod: RenderedPod, args: readonly string[], site: LocalSite): string[] {
  const expectedAddress = `${pod.name}.${serviceFqdn(pod.governingService, pod.namespace, DEFAULT_RENDER_OPTIONS.clusterDomain)}:`;
  const localized = args.map((arg, index) => {
    const option = args[index - 1];
    if (option === '--address' || option === '-a') {
      if (!arg.startsWith(expectedAddress)) throw new Error(`pod ${pod.name}: unexpected --address ${arg}`);
      return `127.0.0.1:${site.nodePort}`;
    }
    if (option === '--http-port' || option === '-p') return String(site.httpPort);
    return localPath(arg, site.mountDirs);
  });
  return [
    ...localized,
    '--http-host', '127.0.0.1',
    '--cluster.messaging.interfaces.0', '127.0.0.1',
    '--bootstrap', ...site.bootstrap,
  ];
}

function localPath(arg: string, mountDirs: Map<string, string>): string {
  for (const [mountPath, dir] of mountDirs) {
    if (arg === mountPath || arg.startsWith(`${mountPath}/`)) return dir + arg.slice(mountPath.length);
  }
  return arg;
}

/**
 * The pods Atomix's DNS discovery would find: the endpoints of the Service its atomix.conf
 * names (`cluster.discovery.service`), i.e. the pods that Service selects.
 */
export function discoveredPods(objects: readonly KubeObject[], pods: readonly RenderedPod[], pod: RenderedPod): RenderedPod[] {
  const discoveryService = discoveryServiceOf(pod);
  const service = objects
    .filter(isKind('Service'))
    .find((o) => serviceFqdn(o.metadata.name, o.metadata.namespace, DEFAULT_RENDER_OPTIONS.clusterDomain) === discoveryService);
  const selector = service?.spec?.selector;
  if (!selector) throw new Error(`pod ${pod.name}: no rendered Service with a selector is ${discoveryService}`);
  return pods.filter((candidate) => Object.entries(selector).every(([key, value]) => candidate.labels[key] === value));
}

function discoveryServiceOf(pod: RenderedPod): string {
  for (const files of pod.configMapVolumes.values()) {
    const text = files[ATOMIX_CONFIG_FILE];
    // The renderer writes atomix.conf as JSON, the subset of HOCON JSON.parse reads.
    if (text !== undefined) return (JSON.parse(text) as { cluster: { discovery: { service: string } } }).cluster.discovery.service;
  }
  throw new Error(`pod ${pod.name} mounts no ${ATOMIX_CONFIG_FILE}`);
}

export class LocalAtomixCluster {
  private failed = false;
  private stopping = false;

  private constructor(
    readonly workDir: string,
    readonly nodes: readonly LocalNode[],
    private readonly processes: ProcessGroup,
  ) {}

  /** Renders the cluster and starts every pod of it. */
  static startRendered(cluster: AtomixCluster, classpath: string, options = DEFAULT_OPTIONS): Promise<LocalAtomixCluster> {
    return LocalAtomixCluster.start(renderCluster(cluster), cluster.metadata.name, classpath, options);
  }

  /** Starts every pod of already rendered objects; `cluster` names the AtomixCluster they came from. */
  static async start(
    objects: readonly KubeObject[],
    cluster: string,
    classpath: string,
    options = DEFAULT_OPTIONS,
  ): Promise<LocalAtomixCluster> {
    const pods = podsOf(objects);
    const workDir = mkdtempSync(join(tmpdir(), `atomix-${cluster}-`));
    const ports = new Map<string, { nodePort: number; httpPort: number }>();
    for (const pod of pods) ports.set(pod.name, { nodePort: await findFreePort(), httpPort: await findFreePort() });
    const processes = new ProcessGroup();
    const launches = pods.map((pod) => {
      const bootstrap = discoveredPods(objects, pods, pod).map((found) => `${found.name}@127.0.0.1:${ports.get(found.name)?.nodePort ?? '?'}`);
      const site: LocalSite = { ...(ports.get(pod.name) as { nodePort: number; httpPort: number }), mountDirs: new Map(), bootstrap };
      return preparePod(pod, site, join(workDir, pod.name), classpath, processes);
    });
    const localCluster = new LocalAtomixCluster(workDir, launches.map(({ node }) => node), processes);
    for (const { node, launch } of launches) localCluster.superviseRestarts(node, launch, options.maxRestarts);
    return localCluster;
  }

  node(pod: string): LocalNode {
    const node = this.nodes.find((n) => n.pod === pod);
    if (!node) throw new Error(`no pod ${pod}; pods: ${this.nodes.map((n) => n.pod).join(', ')}`);
    return node;
  }

  nodesOf(statefulSet: string): LocalNode[] {
    return this.nodes.filter((n) => n.statefulSet === statefulSet);
  }

  /**
   * Waits until every node answers GET /v1/status with 200, i.e. Atomix.start() completed.
   * Fails at once, with the node's log, when a node crash-loops.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      this.nodes.map(async (node) => {
        while (!(await reportsReady(node))) {
          if (node.crashLoop) throw node.crashLoop;
          if (Date.now() > deadline) throw new Error(`${node.pod} did not report ready on /v1/status within ${timeoutMs} ms`);
          await sleep(READY_POLL_MS);
        }
        node.readyAfterMs = Date.now() - node.startedAt;
      }),
    );
  }

  /** Start-up time, restarts and memory of each node, for the test output. */
  summary(): string {
    return this.nodes
      .map((node) => {
        const ready = node.readyAfterMs === undefined ? 'not ready' : `ready after ${(node.readyAfterMs / 1000).toFixed(1)} s`;
        const rss = node.process.running && node.process.pid !== undefined ? `, RSS ${rssMiB(node.process.pid)} MiB` : '';
        return `${node.pod}: ${ready}, ${node.restarts} restarts${rss}`;
      })
      .join('\n');
  }

  /**
   * Runs a check; when it fails, the error carries the end of every node's log and the work
   * directory is kept for a closer look.
   */
  async explainFailure<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      this.failed = true;
      const logs = this.nodes.map((node) => `----- ${node.pod} (${node.logPath})\n${tail(node.logPath, 40)}`).join('\n');
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n${this.summary()}\nwork directory kept: ${this.workDir}\n${logs}`, { cause: error });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.processes.stopAll();
    if (!this.failed) rmSync(this.workDir, { recursive: true, force: true });
  }

  private superviseRestarts(node: LocalNode, launch: () => ManagedProcess, maxRestarts: number): void {
    void node.process.exited.then(async () => {
      if (this.stopping) return;
      if (node.restarts >= maxRestarts) {
        node.crashLoop = node.process.unexpectedExitError();
        return;
      }
      await sleep(RESTART_BACKOFF_MS);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run while sleeping
      if (this.stopping) return;
      node.restarts += 1;
      appendFileSync(node.logPath, `----- restart ${node.restarts} of ${node.pod} -----\n`);
      node.process = launch();
      this.superviseRestarts(node, launch, maxRestarts);
    });
  }
}

/** Creates the pod's volumes and returns its node with a function that (re)starts its container. */
function preparePod(
  pod: RenderedPod,
  site: LocalSite,
  podDir: string,
  classpath: string,
  processes: ProcessGroup,
): { node: LocalNode; launch: () => ManagedProcess } {
  for (const mount of pod.container.volumeMounts ?? []) {
    const dir = join(podDir, 'volumes', mount.name);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(pod.configMapVolumes.get(mount.name) ?? {})) writeFileSync(join(dir, file), content);
    site.mountDirs.set(mount.mountPath, dir);
  }
  const env = containerEnv(pod);
  const args = localizeArgs(pod, (pod.container.args ?? []).map((arg) => expandVars(arg, env)), site);
  const logPath = join(podDir, 'agent.log');
  // The atomix/atomix image's entrypoint passes JAVA_OPTS to the JVM, so a user's JAVA_OPTS counts here too.
  const javaOpts = (env.JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  const launch = () =>
    processes.start({
      name: pod.name,
      command: 'java',
      args: [...JVM_OPTIONS, ...javaOpts, '-cp', `${classpath}/*`, AGENT_MAIN_CLASS, ...args],
      logPath,
      env: { PATH: process.env.PATH, ...env },
    });
  const node: LocalNode = {
    pod: pod.name,
    statefulSet: pod.statefulSet,
    httpUrl: `http://127.0.0.1:${site.httpPort}`,
    logPath,
    startedAt: Date.now(),
    process: launch(),
    restarts: 0,
  };
  return { node, launch };
}

async function reportsReady(node: LocalNode): Promise<boolean> {
  try {
    return (await httpGetStatus(`${node.httpUrl}/v1/status`)) === 200;
  } catch {
    return false;
  }
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
