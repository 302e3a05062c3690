// The Linux pod sandbox (see types.ts for the contract). Every namespace is held by a process,
// never by a name in /run/netns, and every process we start carries a parent-death signal, so
// the kernel removes pods' processes, namespaces, veths and mounts when the owning Node process
// dies in any way; a watchdog then removes the bridge and the state directory.
//
// Per pod:       holder   setpriv --pdeathsig → unshare --net --uts --ipc --mount → sleep
// Per container: init     nsenter (holder) → unshare --pid --mount --mount-proc --root --wd → sleep, pid 1
//                main     nsenter (init's namespaces and root) → setpriv (user, no_new_privs) → argv, pid 2
// The main process is not pid 1, so it gets signals with their default actions (as with
// `docker run --init`), and the init's end takes every process the container left.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { CriLogWriter } from './cri-log.js';
import { checkBridgeName, connectPod, createBridge, deleteInterface, hostVethName, parseCidr, PodAddressPool } from './network.js';
import {
  exitOf,
  forkedChild,
  processStartTime,
  run,
  sandboxSupport,
  signalPid,
  spawnHolder,
  type SandboxTools,
} from './processes.js';
import { podEtcFiles, prepareContainerRoot, writePodEtc } from './rootfs.js';
import type { ContainerExit, ContainerLaunch, ContainerProcess, ExecResult, PodNetworkOptions, Sandbox, SandboxRuntime, SandboxSpec } from './types.js';

export { sandboxSupport } from './processes.js';

/** PATH inside a container whose environment sets none, as container runtimes default it. */
const DEFAULT_CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Docker's default capabilities for root in a container, minus sys_chroot: the container's
 * root is a chroot, and chroot again is the way out of one.
 */
const CONTAINER_CAPABILITIES = ['chown', 'dac_override', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'net_bind_service', 'net_raw', 'mknod', 'audit_write', 'setfcap'];

/**
 * The container's pid 1, run in its root with its fresh /proc: makes the kernel's global
 * switches (/proc/sys, /proc/sysrq-trigger) read-only, as container runtimes do, since uid 0
 * in a container may write them otherwise; then says it is ready and idles ($0 sleep, $1 mount).
 */
const CONTAINER_INIT = [
  '"$1" -o bind,ro /proc/sys /proc/sys',
  '{ [ ! -e /proc/sysrq-trigger ] || "$1" -o bind,ro /proc/sysrq-trigger /proc/sysrq-trigger; }',
  'echo',
  'exec "$0" infinity',
].join(' && ');

const RECORD_FILE = 'sandbox-runtime.json';
/** How much of each output stream exec() returns. */
const EXEC_OUTPUT_LIMIT = 1024 * 1024;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** What a runtime writes into its state directory, so that the next start can clean up after it. */
interface RuntimeRecord {
  owner: { pid: number; startTime: string };
  watchdog: { pid: number; startTime: string };
  /** Set once the bridge exists. */
  bridge?: string;
}

/**
 * Creates the pod network and returns the runtime. One runtime per machine: every local node
 * creates its pods here, on the one bridge, so pods of different nodes reach each other
 * without routing between bridges. `stateDir` must be private to it.
 */
export async function startSandboxRuntime(options: PodNetworkOptions): Promise<SandboxRuntime> {
  const support = await sandboxSupport();
  if (!support.ok) throw new Error(support.reason);
  const { tools } = support;
  checkBridgeName(options.bridge);
  const stateDir = checkStateDir(options.stateDir);
  const pool = new PodAddressPool(parseCidr(options.cidr));

  await cleanUpAfterDeadOwner(tools, stateDir);
  mkdirSync(join(stateDir, 'pods'), { recursive: true });
  const watchdog = new CleanupWatchdog(tools, stateDir);
  const record: RuntimeRecord = { owner: identify(process.pid), watchdog: identify(watchdog.pid) };
  writeRecord(stateDir, record);
  try {
    await createBridge(tools, options.bridge, pool);
  } catch (error) {
    await watchdog.finish();
    throw error;
  }
  // Only a bridge we created is ours to delete.
  watchdog.own(options.bridge);
  writeRecord(stateDir, { ...record, bridge: options.bridge });
  return new LinuxSandboxRuntime(tools, options.bridge, stateDir, pool, watchdog);
}

/** Written whole or not at all: a half-written record would hide a bridge from the next start. */
function writeRecord(stateDir: string, record: RuntimeRecord): void {
  const path = join(stateDir, RECORD_FILE);
  writeFileSync(`${path}.new`, JSON.stringify(record));
  renameSync(`${path}.new`, path);
}

function checkStateDir(stateDir: string): string {
  // The overlay mount options separate paths with ':' and ','; fstab and the watchdog split on whitespace.
  if (!isAbsolute(stateDir) || /[\s:,\\]/.test(stateDir) || stateDir.replace(/\/+$/, '') === '') {
    throw new Error(`sandbox stateDir "${stateDir}" must be an absolute path other than / without whitespace, ':', ',' or '\\'`);
  }
  return stateDir.replace(/\/+$/, '');
}

function checkName(what: string, name: string): void {
  if (!SAFE_NAME.test(name)) throw new Error(`${what} "${name}" must be letters, digits, '.', '_' or '-'`);
}

function identify(pid: number | undefined): { pid: number; startTime: string } {
  return { pid: pid ?? 0, startTime: processStartTime(pid ?? 0) ?? '' };
}

function isAlive(identity: { pid: number; startTime: string }): boolean {
  return identity.pid > 0 && processStartTime(identity.pid) === identity.startTime;
}

/** A previous owner of stateDir that died with its watchdog leaves its record: remove what it names. */
async function cleanUpAfterDeadOwner(tools: SandboxTools, stateDir: string): Promise<void> {
  let record: RuntimeRecord;
  try {
    record = JSON.parse(readFileSync(join(stateDir, RECORD_FILE), 'utf8')) as RuntimeRecord;
  } catch {
    return;
  }
  if (isAlive(record.owner)) throw new Error(`sandbox stateDir ${stateDir} belongs to a running runtime (pid ${record.owner.pid})`);
  // Its watchdog may be cleaning up right now; let it finish, or stop it.
  for (let waited = 0; isAlive(record.watchdog) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(record.watchdog)) signalPid(record.watchdog.pid, 'SIGKILL');
  const cleanup = new CleanupWatchdog(tools, stateDir);
  if (record.bridge !== undefined) cleanup.own(record.bridge);
  await cleanup.finish();
}

/**
 * Removes the bridge and the state directory when the runtime closes it or when the runtime's
 * process dies: it blocks reading a pipe whose write end only that process holds (the kernel
 * closes it when the process dies). The first line it reads names the bridge, once it exists.
 */
class CleanupWatchdog {
  private static readonly SCRIPT = [
    'read -r bridge',
    'cat >/dev/null',
    '[ -z "$bridge" ] || "$2" link delete "$bridge" 2>/dev/null',
    // Nothing of the pods is mounted in this namespace; if something were, rm would reach into it.
    'if grep -qF " $1/" /proc/self/mountinfo; then echo "not removing $1: something is mounted below it" >&2; exit 1; fi',
    `rm -rf -- "$1/pods" "$1/${RECORD_FILE}" "$1/${RECORD_FILE}.new"`,
    'rmdir -- "$1" 2>/dev/null',
    'exit 0',
  ].join('\n');

  private readonly shell: ChildProcess;
  private stderr = '';

  constructor(tools: SandboxTools, stateDir: string) {
    this.shell = spawn(tools.sh, ['-c', CleanupWatchdog.SCRIPT, 'sandbox-cleanup', stateDir, tools.ip], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
      env: { PATH: DEFAULT_CONTAINER_PATH },
    });
    this.shell.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // It must not keep the event loop alive on its own.
    this.shell.unref();
    for (const stream of [this.shell.stdin, this.shell.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | undefined {
    return this.shell.pid;
  }

  own(bridge: string): void {
    this.shell.stdin?.write(`${bridge}\n`);
  }

  async finish(): Promise<void> {
    this.shell.ref();
    this.shell.stdin?.end();
    const { exitCode } = await exitOf(this.shell);
    if (exitCode !== 0) throw new Error(`sandbox cleanup failed (exit ${exitCode}): ${this.stderr.trim()}`);
  }
}

/** Removes a state directory, unless something is mounted below it in our namespace (then rm would reach the host's files). */
function removeStateTree(path: string): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4]?.startsWith(`${path}/`) ?? false);
  if (mounted) throw new Error(`not removing ${path}: something is mounted below it`);
  rmSync(path, { recursive: true, force: true });
}

class LinuxSandboxRuntime implements SandboxRuntime {
  readonly hostAddress: string;
  private readonly sandboxes = new Map<string, Promise<LinuxSandbox>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly tools: SandboxTools,
    private readonly bridge: string,
    private readonly stateDir: string,
    private readonly pool: PodAddressPool,
    private readonly watchdog: CleanupWatchdog,
  ) {
    this.hostAddress = pool.hostAddress;
  }

  createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    if (this.closing) return Promise.reject(new Error('the sandbox runtime is closed'));
    checkName('pod uid', spec.podUid);
    if (this.sandboxes.has(spec.podUid)) return Promise.reject(new Error(`a sandbox for pod uid ${spec.podUid} exists already`));
    const ip = this.pool.allocate();
    const network = { tools: this.tools, bridge: this.bridge, prefix: this.pool.cidr.prefix };
    const created = LinuxSandbox.create(network, spec, ip, join(this.stateDir, 'pods', spec.podUid), () => {
      this.sandboxes.delete(spec.podUid);
      this.pool.release(ip);
    });
    this.sandboxes.set(spec.podUid, created);
    return created;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const settled = await Promise.allSettled([...this.sandboxes.values()]);
      const sandboxes = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      await Promise.all(sandboxes.map((sandbox) => sandbox.destroy()));
      await this.watchdog.finish();
    })();
    return this.closing;
  }
}

interface PodNetwork {
  tools: SandboxTools;
  bridge: string;
  prefix: number;
}

interface RunningContainer {
  /** The host-side process (setpriv, nsenter) whose child is the container's main process. */
  main: ChildProcess;
  mainPid: number;
  /** The container's init (pid 1 of its pid namespace): its namespaces and root are the container's. */
  initPid: number;
  env: Record<string, string>;
  userArgs: string[];
  exited: Promise<ContainerExit>;
}

function isRunning(container: RunningContainer | undefined): container is RunningContainer {
  return container !== undefined && container.main.exitCode === null && container.main.signalCode === null;
}

class LinuxSandbox implements Sandbox {
  private readonly containers = new Map<string, RunningContainer>();
  private readonly starting = new Set<Promise<unknown>>();
  private starts = 0;
  private destroying: Promise<void> | undefined;

  private constructor(
    private readonly network: PodNetwork,
    private readonly spec: SandboxSpec,
    readonly ip: string,
    private readonly dir: string,
    private readonly holder: ChildProcess,
    private readonly onDestroyed: () => void,
  ) {}

  static async create(network: PodNetwork, spec: SandboxSpec, ip: string, dir: string, onDestroyed: () => void): Promise<LinuxSandbox> {
    const { tools } = network;
    let holder: ChildProcess | undefined;
    try {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(spec.hostname)) throw new Error(`pod hostname "${spec.hostname}" is not a valid host name`);
      mkdirSync(dir);
      writePodEtc(join(dir, 'etc'), podEtcFiles(spec, ip));
      holder = await spawnHolder(tools.setpriv, [
        '--pdeathsig', 'SIGKILL', '--',
        tools.unshare, '--net', '--uts', '--ipc', '--mount', '--propagation', 'private', '--',
        tools.sh, '-c', 'echo; exec "$0" infinity', tools.sleep,
      ]);
      const holderPid = String(holder.pid);
      await connectPod(tools, network.bridge, network.prefix, Number(holderPid), ip);
      await run(tools.nsenter, ['--target', holderPid, '--uts', '--', tools.hostname, spec.hostname]);
      return new LinuxSandbox(network, spec, ip, dir, holder, onDestroyed);
    } catch (error) {
      if (holder) await stopHolder(holder);
      await deleteInterface(tools, hostVethName(ip));
      if (existsSync(dir)) removeStateTree(dir);
      onDestroyed();
      throw error;
    }
  }

  start(launch: ContainerLaunch): Promise<ContainerProcess> {
    const started = this.startContainer(launch);
    this.starting.add(started);
    const forget = () => this.starting.delete(started);
    started.then(forget, forget);
    return started;
  }

  private async startContainer(launch: ContainerLaunch): Promise<ContainerProcess> {
    if (this.destroying) throw new Error(`the sandbox of pod ${this.spec.podUid} is being destroyed`);
    checkName('container name', launch.name);
    if (isRunning(this.containers.get(launch.name))) throw new Error(`container ${launch.name} is running already`);
    const { tools } = this.network;
    const holderPid = String(this.holder.pid);
    const dir = join(this.dir, 'containers', `${launch.name}-${String(++this.starts)}`);
    mkdirSync(dir, { recursive: true });
    const workingDir = launch.workingDir || '/';
    let init: ChildProcess | undefined;
    try {
      const { root, fstab } = prepareContainerRoot(dir, join(this.dir, 'etc'), launch.mounts, workingDir);
      await run(tools.nsenter, ['--target', holderPid, '--mount', '--net', '--', tools.mount, '--all', '--fstab', fstab]);
      init = await spawnHolder(tools.setpriv, [
        '--pdeathsig', 'SIGKILL', '--',
        tools.nsenter, '--target', holderPid, '--mount', '--net', '--uts', '--ipc', '--',
        tools.unshare, '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', `--root=${root}`, `--wd=${workingDir}`, '--',
        tools.sh, '-c', CONTAINER_INIT, tools.sleep, tools.mount,
      ]);
      const initPid = await forkedChild(init);
      if (initPid === undefined) throw new Error(`the init of container ${launch.name} exited`);
      // From here on, the container's exit takes care of its init and root.
      return await this.startMain(launch, { process: init, pid: initPid }, dir);
    } catch (error) {
      if (init) await stopHolder(init);
      await this.removeContainerRoot(dir);
      throw error;
    }
  }

  private async startMain(launch: ContainerLaunch, init: { process: ChildProcess; pid: number }, dir: string): Promise<ContainerProcess> {
    const { tools } = this.network;
    const user = launch.user ?? { uid: 0, gid: 0, supplementalGroups: [] };
    const env = { PATH: DEFAULT_CONTAINER_PATH, HOSTNAME: this.spec.hostname, HOME: user.uid === 0 ? '/root' : '/', ...launch.env };
    const userArgs = [
      '--reuid', String(user.uid), '--regid', String(user.gid),
      ...(user.supplementalGroups.length > 0 ? ['--groups', user.supplementalGroups.join(',')] : ['--clear-groups']),
      '--no-new-privs', '--bounding-set', `-all,${CONTAINER_CAPABILITIES.map((cap) => `+${cap}`).join(',')}`, '--pdeathsig', 'SIGKILL',
    ];
    const main = spawnInContainer(tools, init.pid, userArgs, launch.argv, env);
    let logs: CriLogWriter;
    try {
      logs = new CriLogWriter(launch.logPath, outputsOf(main));
    } catch (error) {
      main.kill('SIGKILL');
      await exitOf(main);
      throw new Error(`container ${launch.name}: cannot write its log ${launch.logPath}: ${String(error)}`, { cause: error });
    }
    // A main process that ends at once can be gone before we see it: then the tool's pid stands in.
    const mainPid = (await forkedChild(main)) ?? main.pid ?? 0;
    const exited = (async (): Promise<ContainerExit> => {
      const exit = await exitOf(main);
      // The init's end takes every process the container left, and with them the last writers of its output.
      signalPid(init.pid, 'SIGKILL');
      await exitOf(init.process);
      await logs.closed;
      await this.removeContainerRoot(dir);
      return exit;
    })();
    const container: RunningContainer = { main, mainPid, initPid: init.pid, env, userArgs, exited };
    this.containers.set(launch.name, container);
    return {
      pid: mainPid,
      exited,
      signal: (signal) => {
        if (isRunning(container)) signalPid(mainPid, signal);
      },
    };
  }

  async exec(containerName: string, argv: string[], options: { timeoutMs: number }): Promise<ExecResult> {
    const container = this.containers.get(containerName);
    if (!isRunning(container)) throw new Error(`container ${containerName} is not running`);
    const child = spawnInContainer(this.network.tools, container.initPid, container.userArgs, argv, container.env);
    const output = { stdout: '', stderr: '' };
    // Probes need only the start of the output (the kubelet keeps 10 KiB); a chatty command must not fill our memory.
    const keep = (stream: 'stdout' | 'stderr') => (chunk: string) => {
      if (output[stream].length < EXEC_OUTPUT_LIMIT) output[stream] = (output[stream] + chunk).slice(0, EXEC_OUTPUT_LIMIT);
    };
    child.stdout?.setEncoding('utf8').on('data', keep('stdout'));
    child.stderr?.setEncoding('utf8').on('data', keep('stderr'));
    // The command is done when its output is closed too; a process it left in the background may
    // hold the output open, and then the timeout ends the wait as it ends a command that hangs.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), options.timeoutMs)));
    const outcome = await Promise.race([once(child, 'close').then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timed out') {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    const { exitCode } = await exitOf(child);
    return { exitCode, ...output, timedOut: outcome === 'timed out' };
  }

  destroy(): Promise<void> {
    this.destroying ??= this.tearDown();
    return this.destroying;
  }

  private async tearDown(): Promise<void> {
    await Promise.allSettled(this.starting);
    for (const container of this.containers.values()) {
      if (!isRunning(container)) continue;
      signalPid(container.mainPid, 'SIGKILL');
      signalPid(container.initPid, 'SIGKILL');
    }
    await Promise.all([...this.containers.values()].map((container) => container.exited));
    await deleteInterface(this.network.tools, hostVethName(this.ip));
    await stopHolder(this.holder);
    removeStateTree(this.dir);
    this.onDestroyed();
  }

  private async removeContainerRoot(dir: string): Promise<void> {
    const { tools } = this.network;
    if (this.holder.exitCode === null && this.holder.signalCode === null) {
      await run(tools.nsenter, ['--target', String(this.holder.pid), '--mount', '--', tools.umount, '--recursive', '--lazy', join(dir, 'root')]).catch(() => undefined);
    }
    removeStateTree(dir);
  }
}

/** Runs argv as `userArgs` say, in the namespaces and the root of the container whose init is initPid. */
function spawnInContainer(tools: SandboxTools, initPid: number, userArgs: string[], argv: string[], env: Record<string, string>): ChildProcess {
  return spawn(
    tools.setpriv,
    [
      '--pdeathsig', 'SIGKILL', '--',
      tools.nsenter, '--target', String(initPid), '--pid', '--mount', '--net', '--uts', '--ipc', '--root', '--wd', '--',
      tools.setpriv, ...userArgs, '--', ...argv,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
}

function outputsOf(child: ChildProcess): { stdout: Readable; stderr: Readable } {
  if (!child.stdout || !child.stderr) throw new Error('a container process was started without output pipes');
  return { stdout: child.stdout, stderr: child.stderr };
}

async function stopHolder(holder: ChildProcess): Promise<void> {
  holder.kill('SIGKILL');
  await exitOf(holder);
}
