// Processes of the sandbox: the host tools it drives (util-linux, iproute2), resolved once to
// absolute paths, and small helpers to run them and to follow the processes they start.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { constants as osConstants } from 'node:os';

const TOOL_NAMES = ['unshare', 'nsenter', 'setpriv', 'ip', 'mount', 'umount', 'hostname', 'sh', 'sleep'] as const;
export type SandboxTools = Record<(typeof TOOL_NAMES)[number], string>;

/**
 * Only system directories: the tools that run inside a pod's root (setpriv, sh, sleep) are
 * found there at the same path, because the root shows the host's /usr (and /bin, /sbin).
 */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export type SandboxSupport = { ok: true; tools: SandboxTools } | { ok: false; reason: string };

/** Whether this machine can run pod sandboxes, and if not why (for the simulated-pods fallback). */
export async function sandboxSupport(): Promise<SandboxSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `pod sandboxes need Linux namespaces; this is ${process.platform}` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, reason: `pod sandboxes need root (network and mount namespaces, veth pairs); running as uid ${String(uid)}` };
  const found = TOOL_NAMES.map((name) => [name, SYSTEM_PATH.map((dir) => join(dir, name)).find(isExecutable)] as const);
  const missing = found.filter(([, path]) => path === undefined).map(([name]) => name);
  if (missing.length > 0) {
    return { ok: false, reason: `pod sandboxes need ${missing.join(', ')} in ${SYSTEM_PATH.join(':')} (Debian: util-linux, mount, iproute2, hostname)` };
  }
  if (!/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))) return { ok: false, reason: 'pod sandboxes need the overlay filesystem (modprobe overlay)' };
  const tools = Object.fromEntries(found) as SandboxTools;
  try {
    // Every kind of namespace, a veth pair and a bridge, tried in a throwaway network namespace.
    const probe = ['link add sandbox-probe0 type veth peer name sandbox-probe1', 'link add sandbox-probe2 type bridge'].join('\n');
    await run(tools.unshare, ['--net', '--mount', '--uts', '--ipc', '--pid', '--fork', '--root=/', '--wd=/', '--', tools.ip, '-batch', '-'], probe);
  } catch (error) {
    return { ok: false, reason: `cannot create namespaces, veth pairs or bridges here: ${String(error)}` };
  }
  return { ok: true, tools };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a tool to completion and returns its stdout; rejects with the command and its stderr. */
export function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[command, ...args].join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
    // A tool that exits without reading its input must not fail us with EPIPE: its exit status tells.
    child.stdin?.on('error', () => undefined).end(input ?? '');
  });
}

/**
 * Starts a process that holds namespaces and reports that they are ready by printing one
 * line (`echo` before it execs its idle program). Rejects with its stderr if it exits first.
 */
export async function spawnHolder(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  const ready = once(createInterface({ input: child.stdout }), 'line');
  const first = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (first === 'exited') throw new Error(`${[command, ...args].join(' ')} exited before it was ready: ${stderr.trim()}`);
  child.stdout.resume();
  return child;
}

/** The children of a process (Linux ≥ 3.5 lists them per thread; ours are single-threaded tools). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Waits for the single child a tool forks (nsenter --pid, unshare --fork); undefined if the tool exits first. */
export async function forkedChild(parent: ChildProcess): Promise<number | undefined> {
  for (;;) {
    const [child] = childPids(parent.pid ?? 0);
    if (child !== undefined) return child;
    if (parent.exitCode !== null || parent.signalCode !== null) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function exitOf(child: ChildProcess): Promise<{ exitCode: number; signal: NodeJS.Signals | null }> {
  const settled = () => ({ exitCode: exitCodeOf(child.exitCode, child.signalCode), signal: child.signalCode });
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(settled());
  return once(child, 'exit').then(settled);
}

/** As container runtimes report it: the exit code, or 128 + the signal number. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + osConstants.signals[signal];
  return code ?? 0;
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The kernel's start time of a process, to tell a live owner from a reused pid. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
