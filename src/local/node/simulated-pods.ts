// Pods without processes, for machines that cannot run real ones (not Linux, not root) and for
// the operator's integration tests and benchmarks (hundreds of JVMs do not fit on 2 cores): a
// bound pod is reported Running and Ready at once, and says in its status that nothing runs.
import type { V1Pod } from '@kubernetes/client-node';
import { podStatus, timestamp, type ContainerReport } from './pod-status.js';

/** Pods annotated with this set to "false" run but never become Ready. */
export const READINESS_ANNOTATION = 'local.atomix.io/ready';

/** The status of a simulated pod, or undefined when the current one already says it all. */
export function simulatedStatus(pod: V1Pod, hostIP: string, podIP: string, reason: string) {
  const ready = pod.metadata?.annotations?.[READINESS_ANNOTATION] !== 'false';
  if (isSimulatedRunning(pod, ready)) return undefined;
  const startedAt = (pod.status?.startTime as unknown as string | undefined) ?? timestamp();
  const uid = pod.metadata?.uid;
  const containers: ContainerReport[] = (pod.spec?.containers ?? []).map(({ name, image = '' }) => ({
    name,
    image,
    imageID: image,
    containerID: `simulated://${uid ?? ''}/${name}`,
    state: { running: { startedAt } },
    restartCount: 0,
    started: true,
    ready,
  }));
  const message = `simulated pod: no process runs for it (${reason})`;
  return podStatus(pod, { sandboxReady: true, hostIP, podIP, startTime: startedAt, containers, message }, timestamp());
}

function isSimulatedRunning(pod: V1Pod, ready: boolean): boolean {
  const status = pod.status;
  const readyCondition = status?.conditions?.find((condition) => condition.type === 'Ready');
  const containers = status?.containerStatuses ?? [];
  return (
    status?.phase === 'Running' &&
    status.message !== undefined &&
    readyCondition?.status === (ready ? 'True' : 'False') &&
    containers.length === (pod.spec?.containers.length ?? 0) &&
    containers.every((container) => container.ready === ready)
  );
}
