// Boots an image directory the way its container would start, but as host processes on
// loopback: the image's own entrypoint script from its working directory, with its env, and
// a rendered single-node configuration (management group and a Raft group on one member).
// Nothing of the start-up is short-cut: what the script passes to Java is what runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, KIND } from '../../src/api/group.js';
import { validateCluster } from '../../src/api/validate.js';
import { clusterConfig, managementGroupConfig, raftGroupConfig, toHocon } from '../../src/render/atomix-config.js';
import type { ImageRuntime, ImageStore } from '../../src/local/images/types.js';
import { findFreePort } from '../../src/local/ports.js';
import { httpGetStatus, sleep, waitUntil } from '../../src/local/readiness.js';

const START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 15_000;
// Small heaps: several JVMs share 2 cores and the machine with other work. JAVA_OPTS is appended
// to (up to 3.1.9) or replaces (from 3.1.10) the script's GC options; a heap size fits both.
const JAVA_OPTS = '-Xmx128m';

export interface BootedNode {
  member: string;
  httpUrl: string;
  /** The node's console output (stdout and stderr of the entrypoint). */
  logPath: string;
  /** The rolling file log the image's conf/logback.xml writes under --log-dir. */
  fileLogDir: string;
  /** Milliseconds from spawning the entrypoint to GET /v1/status answering 200. */
  startMs: number;
  stop(): Promise<void>;
}

/** Resolves an image and returns its runtime, throwing the store's reason when it cannot run. */
export async function resolveRuntime(store: ImageStore, image: string): Promise<ImageRuntime> {
  const resolution = await store.resolve(image);
  if (!resolution.ok) throw new Error(`${image}: ${resolution.reason}: ${resolution.message}`);
  return resolution.runtime;
}

/** The image's files on this machine: what the runtime mounts at its root. */
export function imageDirOf(runtime: ImageRuntime): string {
  const [root] = runtime.mounts;
  if (!root) throw new Error(`${runtime.image} has no files`);
  return root.hostPath;
}

/** atomix.conf for one member that is the management group and a one-partition Raft group. */
export function singleNodeConfig(member: string): string {
  const validated = validateCluster({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'boot' },
    spec: { partitionGroups: [{ name: 'raft', raft: {} }] },
  });
  if (!validated.ok) throw new Error(`boot cluster is invalid: ${JSON.stringify(validated.errors)}`);
  const { managementGroup, partitionGroups } = validated.cluster.spec;
  const raft = partitionGroups?.[0]?.raft;
  if (!raft) throw new Error('boot cluster has no raft group');
  return toHocon({
    // The DNS discovery is replaced by --bootstrap: nothing here resolves cluster names.
    cluster: clusterConfig('boot', 'boot-service.default.svc.cluster.local'),
    managementGroup: managementGroupConfig([member], managementGroup.storage),
    partitionGroups: { raft: raftGroupConfig(raft, 1, [member]) },
  });
}

/** Client-only node: the cluster section alone, as the renderer writes it for benchmark nodes. */
export function clientConfig(): string {
  return toHocon({ cluster: clusterConfig('boot', 'boot-service.default.svc.cluster.local') });
}

export interface BootOptions {
  member: string;
  /** atomix.conf content. */
  config: string;
  /** Members to join (`id@127.0.0.1:port`); default: the node itself. */
  bootstrap?: string[];
  /** Arguments before the node's flags (atomix-bench's `agent`). */
  leadingArgs?: string[];
  /**
   * Pass the agent's logging options (default true): the file log goes to the test's directory,
   * since the image directory is shared (and read-only in a pod). atomix-bench has no such
   * options: like any unknown option they become system properties, which Atomix then refuses
   * as unknown configuration keys (logDir, logLevel), on the real image as here.
   */
  agentLogging?: boolean;
}

/** Starts the image's entrypoint in its working directory and waits until /v1/status answers. */
export async function bootImage(runtime: ImageRuntime, options: BootOptions): Promise<BootedNode & { messagingPort: number }> {
  const imageDir = imageDirOf(runtime);
  const work = mkdtempSync(join(tmpdir(), `atomix-boot-${options.member}-`));
  const [messagingPort, httpPort] = [await findFreePort(), await findFreePort()];
  const configPath = join(work, 'atomix.conf');
  writeFileSync(configPath, options.config);
  const fileLogDir = join(work, 'log');
  const logPath = join(work, 'console.log');
  const args = [
    ...runtime.cmd,
    ...(options.leadingArgs ?? []),
    '--config', configPath,
    '--member', options.member,
    '--address', `127.0.0.1:${messagingPort}`,
    '--bootstrap', ...(options.bootstrap ?? [`${options.member}@127.0.0.1:${messagingPort}`]),
    '--http-host', '127.0.0.1',
    '--http-port', String(httpPort),
    '--data-dir', join(work, 'data'),
    ...(options.agentLogging === false ? [] : ['--log-dir', fileLogDir, '--log-level', 'INFO']),
    // Messaging binds loopback only, as a system property the config files cannot override.
    '--cluster.messaging.interfaces.0=127.0.0.1',
  ];
  mkdirSync(join(work, 'data'));
  const child = spawnEntrypoint(runtime, imageDir, args, logPath);
  const startedAt = Date.now();
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    await stopProcessGroup(child);
    rmSync(work, { recursive: true, force: true });
  };
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', () => reject(new Error(`the entrypoint exited before /v1/status answered:\n${tail(logPath)}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([
      exited,
      waitUntil(async () => (await httpGetStatus(`${httpUrl}/v1/status`)) === 200, {
        what: `${runtime.image} /v1/status`,
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 250,
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${tail(logPath)}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { member: options.member, httpUrl, logPath, fileLogDir, startMs: Date.now() - startedAt, messagingPort, stop };
}

function spawnEntrypoint(runtime: ImageRuntime, imageDir: string, args: string[], logPath: string): ChildProcess {
  const [entrypoint, ...entrypointArgs] = runtime.entrypoint;
  if (!entrypoint) throw new Error(`${runtime.image} has no entrypoint`);
  const log = openSync(logPath, 'a');
  try {
    // The working directory is the image root, as WORKDIR makes it in the container, so the
    // script's relative paths (./bin/atomix-agent, hence ATOMIX_ROOT=.) resolve the same way.
    return spawn(entrypoint, [...entrypointArgs, ...args], {
      cwd: imageDir,
      env: { ...runtime.env, JAVA_OPTS },
      stdio: ['ignore', log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
}

/**
 * The script runs java as its child, so the whole process group is signalled and waited for:
 * SIGTERM (Atomix's shutdown hook), then SIGKILL after a grace period.
 */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const group = child.pid;
  if (group === undefined) return;
  const signal = (name: NodeJS.Signals | 0) => {
    try {
      process.kill(-group, name);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal('SIGTERM')) return;
  const deadline = Date.now() + STOP_GRACE_MS;
  // Signal 0 only asks whether any process of the group is left.
  while (signal(0)) {
    if (Date.now() > deadline) signal('SIGKILL');
    await sleep(100);
  }
}

/** The Atomix release the node runs, from the line Atomix logs at start: "3.1.0 (revision …)". */
export function runningAtomixVersion(node: BootedNode): string | undefined {
  return /io\.atomix\.core\.Atomix - (\d+\.\d+\.\d+) \(revision/.exec(readFileSync(node.logPath, 'utf8'))?.[1];
}

export function fileLogText(node: BootedNode): string {
  const path = join(node.fileLogDir, 'atomix.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export async function post(node: BootedNode, path: string): Promise<string> {
  const response = await fetch(`${node.httpUrl}${path}`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`POST ${path} on ${node.member}: ${response.status} ${body}`);
  return body;
}

export async function get(node: BootedNode, path: string): Promise<string> {
  const response = await fetch(`${node.httpUrl}${path}`, { signal: AbortSignal.timeout(60_000) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} on ${node.member}: ${response.status} ${body}`);
  return body;
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
  } catch {
    return '(no output)';
  }
}

export interface ImageCheck {
  image: string;
  /** The Atomix release the running node reported. */
  atomixVersion: string | undefined;
  /** Resolve (including a first build) and start, in milliseconds. */
  resolveMs: number;
  startMs: number;
  /** Counter value after one increment through the node. */
  counter: string;
  fileLog: boolean;
}

/** Boots atomix/atomix:VERSION as a single node, increments a Raft counter through it and stops it. */
export async function checkAtomixImage(store: ImageStore, image: string): Promise<ImageCheck> {
  const resolvedAt = Date.now();
  const runtime = await resolveRuntime(store, image);
  const resolveMs = Date.now() - resolvedAt;
  const node = await bootImage(runtime, { member: 'boot-0', config: singleNodeConfig('boot-0') });
  try {
    const counter = await post(node, '/v1/atomic-counter/boot/inc');
    return { image, atomixVersion: runningAtomixVersion(node), resolveMs, startMs: node.startMs, counter, fileLog: fileLogText(node).includes('io.atomix') };
  } finally {
    await node.stop();
  }
}

/**
 * Boots atomix/atomix-bench:latest as what its `agent` command runs: a client-only node that
 * joins a server node of the Atomix version it is built on, then increments a counter through
 * the benchmark node (stored on the server's Raft group).
 */
export async function checkBenchImage(store: ImageStore, serverImage: string): Promise<ImageCheck & { members: string[] }> {
  const resolvedAt = Date.now();
  const bench = await resolveRuntime(store, 'atomix/atomix-bench:latest');
  const resolveMs = Date.now() - resolvedAt;
  const server = await bootImage(await resolveRuntime(store, serverImage), { member: 'server-0', config: singleNodeConfig('server-0') });
  try {
    const node = await bootImage(bench, {
      member: 'bench-0',
      config: clientConfig(),
      leadingArgs: ['agent'],
      agentLogging: false,
      bootstrap: [`server-0@127.0.0.1:${server.messagingPort}`],
    });
    try {
      const counter = await post(node, '/v1/atomic-counter/bench/inc');
      const members = (JSON.parse(await get(node, '/v1/cluster/nodes')) as { id: string }[]).map((member) => member.id);
      return { image: bench.image, atomixVersion: runningAtomixVersion(node), resolveMs, startMs: node.startMs, counter, fileLog: fileLogText(node) !== '', members };
    } finally {
      await node.stop();
    }
  } finally {
    await server.stop();
  }
}
