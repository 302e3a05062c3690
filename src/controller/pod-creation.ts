// StatefulSets that cannot create their pods. The API server refuses a pod (Pod Security
// admission, a ResourceQuota, an invalid field) only to the StatefulSet controller, which
// says so in a Warning Event (FailedCreate) on the StatefulSet, and keeps retrying with
// backoff; the StatefulSet's status shows only fewer pods than wanted. The operator
// watches those Events (list and watch, nothing else) and reports the refusal as Degraded
// with the API server's own words, instead of waiting for pods forever.
import type { CoreV1Event } from '@kubernetes/client-node';
import type { ClusterPlan } from '../render/index.js';
import type { Problem, StatefulSetLookup } from './status.js';

/** Only the StatefulSet controller's Events about StatefulSets: what it did with their pods. */
export const STATEFULSET_EVENTS_SELECTOR = 'involvedObject.kind=StatefulSet,source=statefulset-controller';

/** Index of the events by the StatefulSet they are about: namespace/name. */
export const byStatefulSet = (event: CoreV1Event): readonly string[] =>
  [`${event.involvedObject.namespace ?? event.metadata.namespace ?? ''}/${event.involvedObject.name ?? ''}`];

const POD_CREATE_FAILED = 'PodCreateFailed';

/**
 * A problem for each StatefulSet of the plan that has fewer pods than it wants and whose last
 * attempt to create one failed. The message leaves out the pod's name (the controller tries
 * each missing pod in turn), so it stays the same while the cause does: no status writes.
 */
export function podCreationProblems(
  plan: ClusterPlan,
  lookup: StatefulSetLookup,
  eventsOf: (statefulSet: string) => readonly CoreV1Event[],
): Problem[] {
  const statefulSets = [plan.management, ...plan.partitions, ...(plan.benchmark ? [plan.benchmark] : [])].flatMap((group) => group.statefulSets);
  return statefulSets.flatMap(({ name }) => {
    const observed = lookup(name);
    const missingPods = (observed?.status?.replicas ?? 0) < (observed?.spec?.replicas ?? 0);
    const failure = missingPods ? lastCreateFailure(eventsOf(name), observed?.metadata?.uid) : undefined;
    // Terminal: the operator's retries change nothing; the controller's next Event wakes it.
    return failure ? [{ reason: POD_CREATE_FAILED, message: `StatefulSet ${name} cannot create its pods: ${refusal(failure)}`, terminal: true as const }] : [];
  });
}

/** The newest FailedCreate about this StatefulSet (not an earlier one of its name), unless a pod was created since. */
function lastCreateFailure(events: readonly CoreV1Event[], uid: string | undefined): CoreV1Event | undefined {
  const creates = events
    .filter((event) => event.involvedObject.uid === uid && (event.reason === 'FailedCreate' || event.reason === 'SuccessfulCreate'))
    // Oldest first; at equal times (one-second resolution) a failure sorts last: pods are still missing.
    .sort((a, b) => lastSeen(a) - lastSeen(b) || Number(a.reason === 'FailedCreate') - Number(b.reason === 'FailedCreate'));
  const last = creates.at(-1);
  return last?.reason === 'FailedCreate' ? last : undefined;
}

function lastSeen(event: CoreV1Event): number {
  const time = event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return time === undefined ? 0 : new Date(time).getTime();
}

/**
 * The API server's answer without the controller's framing and the pod's name:
 * 'Create Pod c-0 in StatefulSet c failed error: pods "c-0" is forbidden: violates PodSecurity ...'
 * becomes 'violates PodSecurity ...'. The event recorder may have combined similar events.
 */
function refusal(event: CoreV1Event): string {
  const message = (event.message ?? '').replace(/^\(combined from similar events\): /, '');
  const error = /^Create Pod \S+ in StatefulSet \S+ failed error: (.*)$/s.exec(message)?.[1] ?? message;
  return error.replace(/^pods? "[^"]*" is forbidden: /, '');
}
