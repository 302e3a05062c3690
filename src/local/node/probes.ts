// Startup, readiness and liveness probes against the pod IP, with the kubelet's timing:
// nothing before initialDelaySeconds, then one probe per periodSeconds, each bounded by
// timeoutSeconds, and a result that flips only after successThreshold successes or
// failureThreshold failures in a row.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeTarget {
  podIP: string;
  container: V1Container;
  /** Runs a command in the container (exec probes); resolves with its exit code, or undefined on timeout. */
  exec(argv: string[], timeoutMs: number): Promise<number | undefined>;
}

export interface ProbeOutcome {
  success: boolean;
  /** Why it failed, as the kubelet's Unhealthy events say. */
  message?: string;
}

/** Runs one probe once. */
export async function runProbe(probe: V1Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.httpGet) {
      const { path = '/', scheme = 'HTTP', host, httpHeaders = [] } = probe.httpGet;
      const port = portNumber(probe.httpGet.port, target.container);
      const url = new URL(`${scheme.toLowerCase()}://${host || target.podIP}:${port}${path.startsWith('/') ? path : `/${path}`}`);
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/local', ...Object.fromEntries(httpHeaders.map((header) => [header.name, header.value])) };
      const status = await httpStatus(url, headers, timeoutMs);
      return status >= 200 && status < 400 ? { success: true } : { success: false, message: `HTTP probe failed with statuscode: ${status}` };
    }
    if (probe.tcpSocket) {
      const port = portNumber(probe.tcpSocket.port, target.container);
      await tcpConnect(probe.tcpSocket.host || target.podIP, port, timeoutMs);
      return { success: true };
    }
    if (probe.exec) {
      const exitCode = await target.exec(probe.exec.command ?? [], timeoutMs);
      if (exitCode === undefined) return { success: false, message: `command timed out after ${timeoutMs / 1000}s` };
      return exitCode === 0 ? { success: true } : { success: false, message: `command exited with ${exitCode}` };
    }
    return { success: false, message: 'only httpGet, tcpSocket and exec probes are supported by the local node' };
  } catch (error) {
    return { success: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** A named port resolves against the container's ports, as the kubelet does. */
export function portNumber(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((candidate) => candidate.name === port && (candidate.protocol ?? 'TCP') === 'TCP');
  if (!named) throw new Error(`port "${port}" is not a named TCP port of container ${container.name}`);
  return named.containerPort;
}

function httpStatus(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { headers, agent: false, rejectUnauthorized: false, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`Get "${url}": timeout after ${timeoutMs / 1000}s`) : error));
    request.end();
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
    });
    socket.once('error', reject);
  });
}

/**
 * One probe of one container, run periodically until stopped. `onResult` is called when the
 * result changes: readiness starts as failed, liveness as succeeded, startup as unknown (so
 * both its first success and its failureThreshold count).
 */
export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: V1Probe,
    private readonly target: ProbeTarget,
    private readonly onResult: (success: boolean, outcome: ProbeOutcome) => void,
  ) {
    this.result = kind === 'readiness' ? false : kind === 'liveness' ? true : undefined;
  }

  /** `sinceStartMs`: how long the container has been running already. */
  start(sinceStartMs = 0): void {
    this.schedule(Math.max(0, (this.probe.initialDelaySeconds ?? 0) * 1000 - sinceStartMs));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const outcome = await runProbe(this.probe, this.target);
    if (this.stopped) return;
    this.successes = outcome.success ? this.successes + 1 : 0;
    this.failures = outcome.success ? 0 : this.failures + 1;
    const streak = outcome.success ? this.successes : this.failures;
    const threshold = outcome.success ? (this.probe.successThreshold ?? 1) : (this.probe.failureThreshold ?? 3);
    if (streak >= threshold && outcome.success !== this.result) {
      this.result = outcome.success;
      this.onResult(outcome.success, outcome);
    }
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}
