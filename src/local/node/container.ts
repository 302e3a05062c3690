// One container of a pod through its life: start (after the image, env and volumes are
// ready), probes, exit, restart by restartPolicy with CrashLoopBackOff, and stop with
// SIGTERM, a grace period and SIGKILL.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ContainerLaunch, ContainerProcess, Sandbox } from '../sandbox/types.js';
import { formatDuration, nextBackoff, type BackoffState } from './backoff.js';
import { ProbeWorker, type ProbeKind, type ProbeTarget } from './probes.js';
import { terminatedReason, timestamp, type ContainerReport, type ContainerState, type TerminatedState } from './pod-status.js';

/** A container that cannot start yet; `pull` errors back off as ImagePullBackOff. */
export class WaitingError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly pull = false,
  ) {
    super(message);
  }
}

export interface PreparedLaunch {
  launch: ContainerLaunch;
  imageID: string;
}

/** What the pod gives its containers. */
export interface ContainerHost {
  pod(): V1Pod;
  sandbox(): Sandbox;
  podIP(): string;
  /** Everything a start needs; throws WaitingError when something is missing. */
  prepare(container: V1Container, restartCount: number): Promise<PreparedLaunch>;
  /** The container's state changed: the pod recomputes its status. */
  changed(): void;
  log(line: string): void;
}

type Phase = 'idle' | 'starting' | 'running' | 'backing-off' | 'stopped';

export class ContainerRunner {
  private phase: Phase = 'idle';
  private state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  private lastTerminated: TerminatedState | undefined;
  private restartCount = 0;
  private imageID = '';
  private process: ContainerProcess | undefined;
  private runningSince = 0;
  private started = false;
  private readinessOk = false;
  private crashBackoff: BackoffState;
  private waitBackoff: BackoffState;
  private retryTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private probes: ProbeWorker[] = [];
  private stopping = false;

  constructor(
    private readonly spec: V1Container,
    private readonly host: ContainerHost,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.phase === 'running';
  }

  /** Finished for good (restartPolicy says no more restarts, or stopped). */
  get done(): boolean {
    return this.phase === 'stopped';
  }

  /** The CRI log instance currently written, and the one before it (for --previous). */
  get instances(): { current: number; running: boolean } {
    return { current: this.restartCount, running: this.phase === 'running' || this.phase === 'starting' };
  }

  report(): ContainerReport {
    const podUid = this.host.pod().metadata?.uid ?? '';
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: this.imageID,
      containerID: this.phase === 'idle' && this.restartCount === 0 && !this.lastTerminated ? undefined : containerID(podUid, this.spec.name, this.restartCount),
      state: this.state,
      lastTerminated: this.lastTerminated,
      restartCount: this.restartCount,
      started: this.phase === 'running' && this.started,
      ready: this.phase === 'running' && this.started && this.readinessOk,
    };
  }

  /** Starts the container when it is due. */
  sync(): void {
    if (this.phase === 'idle' && !this.stopping) void this.start();
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once nothing of it runs. No restart follows. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    if (this.phase !== 'running' && this.phase !== 'starting') this.phase = 'stopped';
    await this.kill(graceMs);
  }

  private async start(): Promise<void> {
    this.phase = 'starting';
    try {
      const { launch, imageID } = await this.host.prepare(this.spec, this.restartCount);
      if (this.stopping) throw new WaitingError('ContainerCreating', 'the pod is being deleted');
      this.imageID = imageID;
      const process = await this.host.sandbox().start(launch);
      this.process = process;
      this.runningSince = Date.now();
      this.phase = 'running';
      this.waitBackoff = undefined;
      this.state = { running: { startedAt: timestamp() } };
      this.started = this.spec.startupProbe === undefined;
      this.readinessOk = this.spec.readinessProbe === undefined;
      process.exited.then((exit) => this.onExit(exit.exitCode, launch), (error: unknown) => this.onExit(137, launch, String(error)));
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the pod may have been deleted while starting
      if (this.stopping) this.signal('SIGKILL');
      this.startProbes(this.spec.startupProbe ? ['startup'] : ['readiness', 'liveness']);
    } catch (error) {
      if (this.stopping) {
        this.phase = 'stopped';
      } else {
        this.waitToRetry(error);
      }
    }
    this.host.changed();
  }

  /** Image and configuration errors are retried with the same back-off as crashes; pull errors then say ImagePullBackOff. */
  private waitToRetry(error: unknown): void {
    const waiting = error instanceof WaitingError ? error : new WaitingError('CreateContainerError', error instanceof Error ? error.message : String(error));
    const step = nextBackoff(this.waitBackoff);
    this.waitBackoff = step.state;
    const pullBackOff = waiting.pull && step.delayMs > 0;
    this.state = {
      waiting: pullBackOff
        ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${this.spec.image ?? ''}": ${waiting.message}` }
        : { reason: waiting.reason, message: waiting.message },
    };
    this.phase = 'backing-off';
    // The back-off's first retry is immediate; a second without any pause would only spin.
    this.retryTimer = setTimeout(() => {
      this.phase = 'idle';
      this.sync();
    }, Math.max(step.delayMs, 1000));
  }

  private onExit(exitCode: number, launch: ContainerLaunch, message?: string): void {
    clearTimeout(this.killTimer);
    this.stopProbes();
    this.process = undefined;
    const startedAt = 'running' in this.state ? this.state.running.startedAt : timestamp();
    const podUid = this.host.pod().metadata?.uid ?? '';
    const terminated: TerminatedState = {
      exitCode,
      reason: terminatedReason(exitCode),
      ...(message ? { message } : {}),
      startedAt,
      finishedAt: timestamp(),
      containerID: containerID(podUid, this.spec.name, this.restartCount),
    };
    const ranForMs = Date.now() - this.runningSince;
    this.host.log(`container ${launch.name} of pod ${podName(this.host.pod())} exited with code ${exitCode} after ${Math.round(ranForMs / 1000)} s`);
    if (this.stopping || !this.restarts(exitCode)) {
      this.state = { terminated };
      this.phase = 'stopped';
      this.host.changed();
      return;
    }
    this.lastTerminated = terminated;
    const step = nextBackoff(this.crashBackoff, ranForMs);
    this.crashBackoff = step.state;
    this.phase = 'backing-off';
    const restart = () => {
      this.restartCount++;
      this.phase = 'idle';
      this.sync();
    };
    if (step.delayMs === 0) {
      restart();
    } else {
      const pod = this.host.pod();
      const message = `back-off ${formatDuration(step.delayMs)} restarting failed container=${this.spec.name} pod=${podName(pod)}(${pod.metadata?.uid ?? ''})`;
      this.state = { waiting: { reason: 'CrashLoopBackOff', message } };
      this.retryTimer = setTimeout(restart, step.delayMs);
    }
    this.host.changed();
  }

  private restarts(exitCode: number): boolean {
    const policy = this.host.pod().spec?.restartPolicy ?? 'Always';
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  }

  private async kill(graceMs: number): Promise<void> {
    const process = this.process;
    if (!process) return;
    this.signal('SIGTERM');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await process.exited.catch(() => undefined);
  }

  private signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    try {
      this.process?.signal(signal);
    } catch (error) {
      this.host.log(`cannot send ${signal} to container ${this.spec.name} of pod ${podName(this.host.pod())}: ${String(error)}`);
    }
  }

  private startProbes(kinds: ProbeKind[]): void {
    const sinceStartMs = Date.now() - this.runningSince;
    for (const kind of kinds) {
      const probe = this.spec[`${kind}Probe`];
      if (!probe) continue;
      const worker = new ProbeWorker(kind, probe, this.probeTarget(), (success, outcome) => this.onProbe(kind, success, outcome.message));
      this.probes.push(worker);
      worker.start(sinceStartMs);
    }
  }

  private onProbe(kind: ProbeKind, success: boolean, message: string | undefined): void {
    if (this.phase !== 'running') return;
    const after = `${((Date.now() - this.runningSince) / 1000).toFixed(1)} s after its start`;
    this.host.log(`container ${this.spec.name} of pod ${podName(this.host.pod())}: ${kind} probe ${success ? 'succeeded' : 'failed'} ${after}`);
    if (kind === 'readiness') {
      this.readinessOk = success;
      this.host.changed();
      return;
    }
    if (kind === 'startup' && success) {
      this.started = true;
      this.stopProbes();
      this.startProbes(['readiness', 'liveness']);
      this.host.changed();
      return;
    }
    if (success) return;
    this.host.log(`container ${this.spec.name} of pod ${podName(this.host.pod())} failed its ${kind} probe (${message ?? 'no reason given'}), will be restarted`);
    this.stopProbes();
    const probeGrace = this.spec[`${kind}Probe`]?.terminationGracePeriodSeconds;
    void this.kill((probeGrace ?? this.host.pod().spec?.terminationGracePeriodSeconds ?? 30) * 1000);
  }

  private probeTarget(): ProbeTarget {
    return {
      podIP: this.host.podIP(),
      container: this.spec,
      exec: async (argv, timeoutMs) => {
        const result = await this.host.sandbox().exec(this.spec.name, argv, { timeoutMs });
        return result.timedOut ? undefined : result.exitCode;
      },
    };
  }

  private stopProbes(): void {
    for (const probe of this.probes) probe.stop();
    this.probes = [];
  }
}

function containerID(podUid: string, name: string, restartCount: number): string {
  return `local://${podUid}/${name}/${restartCount}`;
}

export function podName(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}`;
}
