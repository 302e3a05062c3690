// The pod status the kubelet reports, computed from what its containers are doing (pure):
// phase by the kubelet's rules, conditions whose lastTransitionTime changes only when their
// status flips, and a comparison that lets a steady pod cost no status write at all.
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export interface TerminatedState {
  exitCode: number;
  /** Completed (exit code 0) or Error, as container runtimes report it. */
  reason: string;
  message?: string | undefined;
  startedAt: string;
  finishedAt: string;
  containerID?: string | undefined;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string | undefined } }
  | { running: { startedAt: string } }
  | { terminated: TerminatedState };

/** What the kubelet knows about one container of the pod. */
export interface ContainerReport {
  name: string;
  image: string;
  imageID: string;
  containerID?: string | undefined;
  state: ContainerState;
  lastTerminated?: TerminatedState | undefined;
  restartCount: number;
  started: boolean;
  ready: boolean;
}

export interface PodReport {
  /** The sandbox exists and has its IP (PodReadyToStartContainers). */
  sandboxReady: boolean;
  hostIP: string;
  podIP?: string | undefined;
  /** When the kubelet first acknowledged the pod. */
  startTime: string;
  /** In spec order; one per container of the spec. */
  containers: ContainerReport[];
  /** A pod-level message (e.g. that this node only simulates pods). */
  message?: string | undefined;
}

/** RFC 3339 without fractions, the precision Kubernetes keeps for timestamps. */
export function timestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function terminatedReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** The whole status to write: the previous one with every field the kubelet owns recomputed. */
export function podStatus(pod: V1Pod, report: PodReport, now: string): V1PodStatus {
  const previous = pod.status ?? {};
  const phase = isTerminal(previous.phase) ? previous.phase : podPhase(pod, report.containers);
  const notReady = report.containers.filter((container) => !container.ready).map((container) => container.name);
  const completed = isTerminal(phase);
  const readiness = completed
    ? { status: false, reason: 'PodCompleted' }
    : notReady.length > 0
      ? { status: false, reason: 'ContainersNotReady', message: `containers with unready status: [${notReady.join(' ')}]` }
      : { status: true };
  const ours: V1PodCondition[] = [
    condition(previous, 'PodReadyToStartContainers', { status: report.sandboxReady }, now),
    condition(previous, 'Initialized', { status: true }, now),
    condition(previous, 'Ready', readiness, now),
    condition(previous, 'ContainersReady', readiness, now),
  ];
  const others = (previous.conditions ?? []).filter((existing) => !ours.some((own) => own.type === existing.type));
  const status: V1PodStatus = {
    // The status as read (plain JSON): fields the kubelet does not own (qosClass, …) stay as they are.
    ...(previous as Record<string, unknown>),
    phase,
    conditions: [...ours, ...others],
    hostIP: report.hostIP,
    hostIPs: [{ ip: report.hostIP }],
    startTime: previous.startTime ?? (report.startTime as unknown as Date),
    containerStatuses: report.containers.map(containerStatus),
  };
  const podIP = report.podIP ?? previous.podIP;
  if (podIP) Object.assign(status, { podIP, podIPs: [{ ip: podIP }] });
  if (report.message) status.message = report.message;
  else delete status.message;
  return status;
}

/** The kubelet's getPhase for a pod without init containers. */
export function podPhase(pod: V1Pod, containers: ContainerReport[]): string {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of containers) {
    const { state } = container;
    if ('running' in state) running++;
    else if ('terminated' in state) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (container.lastTerminated) stopped++;
    else waiting++;
  }
  if (waiting > 0 || containers.length === 0) return 'Pending';
  if (running > 0) return 'Running';
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  if (restartPolicy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return restartPolicy === 'Never' ? 'Failed' : 'Running';
}

export function isTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function condition(
  previous: V1PodStatus,
  type: string,
  value: { status: boolean; reason?: string; message?: string },
  now: string,
): V1PodCondition {
  const status = value.status ? 'True' : 'False';
  const before = previous.conditions?.find((existing) => existing.type === type);
  const lastTransitionTime = before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
  return {
    type,
    status,
    lastTransitionTime: lastTransitionTime as unknown as Date,
    ...(value.reason ? { reason: value.reason } : {}),
    ...(value.message ? { message: value.message } : {}),
  };
}

function containerStatus(report: ContainerReport): V1ContainerStatus {
  return {
    name: report.name,
    state: report.state as V1ContainerStatus['state'],
    lastState: (report.lastTerminated ? { terminated: report.lastTerminated } : {}) as V1ContainerStatus['lastState'],
    ready: report.ready,
    restartCount: report.restartCount,
    image: report.image,
    imageID: report.imageID,
    ...(report.containerID ? { containerID: report.containerID } : {}),
    started: report.started,
  };
}

/**
 * Whether two statuses say the same thing as the API server stores it: absent, null and
 * undefined fields are alike, so a status read back from the server equals what was written.
 */
export function sameStatus(a: V1PodStatus | undefined, b: V1PodStatus | undefined): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return timestamp(value);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .filter(([, field]) => field !== null && field !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return Object.fromEntries(entries.map(([key, field]) => [key, canonical(field)]));
}
