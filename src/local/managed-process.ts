import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr are appended to this file. */
  logPath: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A long-running child process whose output goes to a log file. Children run in
 * their own process group, so a Ctrl-C in the terminal reaches only us and we
 * decide the shutdown order.
 */
export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | undefined;

  private constructor(
    readonly name: string,
    readonly logPath: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const settle = (exit: ProcessExit) => {
        if (this.exitInfo === undefined) {
          this.exitInfo = exit;
          resolve(exit);
        }
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.once('error', (error) => settle({ code: null, signal: null, error }));
    });
  }

  static start(spec: ProcessSpec): ManagedProcess {
    const logFd = openSync(spec.logPath, 'a');
    try {
      const child = spawn(spec.command, spec.args, {
        stdio: ['ignore', logFd, logFd],
        detached: true,
        env: spec.env ?? process.env,
      });
      return new ManagedProcess(spec.name, spec.logPath, child);
    } finally {
      closeSync(logFd);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Asks the process to terminate and kills it if it has not exited after graceMs. */
  async stop(graceMs = 10_000): Promise<ProcessExit> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error for a process that died while we waited for it, with the end of its log. */
  unexpectedExitError(): Error {
    const exit = this.exitInfo;
    const how = exit?.error?.message ?? (exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code ?? 'unknown'}`);
    return new Error(`${this.name} exited (${how}); last lines of ${this.logPath}:\n${logTail(this.logPath, 20)}`);
  }
}

function logTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Kills registered processes when this Node process dies in any way, even by
 * SIGKILL: the watchdog reads pids from a pipe whose write end only we hold,
 * so the kernel closes it when we die and the watchdog wakes up.
 */
class OrphanWatchdog {
  private constructor(private readonly shell: ChildProcess) {}

  static start(): OrphanWatchdog {
    const script = 'pids=; while read -r pid; do pids="$pids $pid"; done; [ -z "$pids" ] || kill -9 $pids 2>/dev/null; exit 0';
    const shell = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    // The watchdog must not keep the event loop alive on its own.
    shell.unref();
    (shell.stdin as Socket).unref();
    return new OrphanWatchdog(shell);
  }

  get pid(): number | undefined {
    return this.shell.pid;
  }

  guard(pid: number | undefined): void {
    if (pid !== undefined) this.shell.stdin?.write(`${pid}\n`);
  }

  /** Ends the watchdog without killing anything: we are about to stop the processes ourselves. */
  async dismiss(): Promise<void> {
    if (this.shell.exitCode !== null || this.shell.signalCode !== null) return;
    const exited = new Promise((resolve) => this.shell.once('exit', resolve));
    this.shell.ref();
    this.shell.kill('SIGKILL');
    await exited;
  }
}

/** Processes that live and die together, guarded by one OrphanWatchdog. */
export class ProcessGroup {
  private readonly watchdog = OrphanWatchdog.start();
  private readonly members: ManagedProcess[] = [];

  start(spec: ProcessSpec): ManagedProcess {
    const process = ManagedProcess.start(spec);
    this.watchdog.guard(process.pid);
    this.members.push(process);
    return process;
  }

  get processes(): readonly ManagedProcess[] {
    return this.members;
  }

  /** Stops every member, the most recently started first, since later ones depend on earlier ones. */
  async stopAll(): Promise<void> {
    for (const process of [...this.members].reverse()) await process.stop();
    await this.watchdog.dismiss();
  }
}
