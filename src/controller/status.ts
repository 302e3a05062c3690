// The AtomixCluster status, computed only from what is observed: the
// StatefulSets' own status, and the problems this reconcile ran into.
import type { AtomixCluster, AtomixClusterStatus, GroupStatus } from '../api/schema.js';
import { names } from '../api/names.js';
import type { ClusterPlan, GroupPlan } from '../render/index.js';
import { CONDITION, mergeConditions, type ConditionInput } from './conditions.js';
import type { RolloutReport } from './rollout-runner.js';

export interface ObservedStatefulSet {
  metadata?: { generation?: number; uid?: string };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number; replicas?: number };
}

export type StatefulSetLookup = (name: string) => ObservedStatefulSet | undefined;

/** A problem that keeps the cluster from converging, with the reason shown in Degraded. */
export interface Problem {
  readonly reason: string;
  readonly message: string;
  /** Retrying cannot fix it: it waits for a change of the spec, or of the object in the way. */
  readonly terminal?: true;
}

/** Ready pods count only once the StatefulSet controller has seen the current spec and rolled it out. */
function readyPods(observed: ObservedStatefulSet | undefined, replicas: number): number {
  return Math.min(currentStatus(observed)?.readyReplicas ?? 0, updatedPods(observed), replicas);
}

/** Pods on the StatefulSet's current template, as its controller counts them. */
function updatedPods(observed: ObservedStatefulSet | undefined): number {
  return currentStatus(observed)?.updatedReplicas ?? 0;
}

function currentStatus(observed: ObservedStatefulSet | undefined): ObservedStatefulSet['status'] {
  const current = (observed?.status?.observedGeneration ?? 0) >= (observed?.metadata?.generation ?? 0);
  return current ? observed?.status : undefined;
}

function groupStatus(plan: GroupPlan, lookup: StatefulSetLookup, rollout: RolloutReport | undefined): GroupStatus {
  const counts = plan.statefulSets.reduce<GroupStatus>(
    (total, { name, replicas }) => ({
      name: plan.name,
      replicas: total.replicas + replicas,
      readyReplicas: total.readyReplicas + readyPods(lookup(name), replicas),
    }),
    { name: plan.name, replicas: 0, readyReplicas: 0 },
  );
  // Server groups are rolled by the operator: how far, in the StatefulSet controller's counts
  // (consistent with readyReplicas) and the revisions the rollout sees on the pods.
  if (!plan.servers) return counts;
  const statefulSet = lookup(plan.servers.statefulSet);
  const writable = rollout?.writable.get(plan.name);
  return {
    ...counts,
    ...(currentStatus(statefulSet) ? { updatedReplicas: updatedPods(statefulSet) } : {}),
    ...rollout?.groups.get(plan.name),
    ...(writable ? { available: writable.writable } : {}),
  };
}

const isReady = (group: GroupStatus) => group.readyReplicas >= group.replicas;

export function computeStatus(
  cluster: AtomixCluster,
  plan: ClusterPlan,
  lookup: StatefulSetLookup,
  problems: readonly Problem[],
  now: Date,
  rollout?: RolloutReport,
): AtomixClusterStatus {
  const management = groupStatus(plan.management, lookup, rollout);
  const partitionGroups = plan.partitions.map((group) => groupStatus(group, lookup, rollout));
  const benchmark = plan.benchmark ? groupStatus(plan.benchmark, lookup, undefined) : undefined;
  const all = [management, ...partitionGroups, ...(benchmark ? [benchmark] : [])];
  const conditions = mergeConditions(
    cluster.status?.conditions,
    [...verdict(all, problems, rollout?.progress, rollout?.progressReason), ...(rollout ? [quorate(rollout)] : [])],
    cluster.metadata.generation,
    now,
  );
  return {
    serviceName: names.discoveryService(cluster.metadata.name),
    ...(cluster.metadata.generation !== undefined ? { observedGeneration: cluster.metadata.generation } : {}),
    readyGroups: `${all.filter(isReady).length}/${all.length}`,
    conditions,
    managementGroup: management,
    partitionGroups,
    ...(benchmark ? { benchmark } : {}),
  };
}

/** Every server group took its last write probe; the groups that did not, with why. */
function quorate(rollout: RolloutReport): ConditionInput {
  const failing = [...rollout.writable].flatMap(([group, result]) => (result.writable ? [] : [`${group}: ${result.reason}`]));
  return failing.length === 0
    ? { type: CONDITION.quorate, status: 'True', reason: 'GroupsWritable', message: 'every group took a write' }
    : { type: CONDITION.quorate, status: 'False', reason: 'GroupsNotWritable', message: failing.join('; ') };
}

function progressing(allReady: boolean, degraded: boolean, rolling: string | undefined, rollingReason: string, waitingFor: string): ConditionInput {
  if (degraded) return { type: CONDITION.progressing, status: 'False', reason: 'Blocked', message: 'see Degraded' };
  if (rolling !== undefined) return { type: CONDITION.progressing, status: 'True', reason: rollingReason, message: rolling };
  if (allReady) return { type: CONDITION.progressing, status: 'False', reason: 'Converged', message: 'every group runs its desired pods' };
  return { type: CONDITION.progressing, status: 'True', reason: 'WaitingForPods', message: `waiting for ${waitingFor}` };
}

/**
 * The status of a stored cluster that does not validate (an older CRD let it in):
 * nothing can be rendered from it, so the group counts stay as they were and
 * the conditions say why.
 */
export function invalidSpecStatus(cluster: AtomixCluster, problem: Problem, now: Date): AtomixClusterStatus {
  const conditions = mergeConditions(
    cluster.status?.conditions,
    [
      { type: CONDITION.ready, status: 'False', reason: problem.reason, message: 'nothing is done for this spec; see Degraded' },
      { type: CONDITION.progressing, status: 'False', reason: 'Blocked', message: 'see Degraded' },
      { type: CONDITION.degraded, status: 'True', reason: problem.reason, message: problem.message },
    ],
    cluster.metadata.generation,
    now,
  );
  return {
    ...cluster.status,
    serviceName: names.discoveryService(cluster.metadata.name),
    ...(cluster.metadata.generation !== undefined ? { observedGeneration: cluster.metadata.generation } : {}),
    conditions,
  };
}

function verdict(groups: GroupStatus[], problems: readonly Problem[], rolling: string | undefined, rollingReason = 'RollingUpdate'): ConditionInput[] {
  const waiting = groups.filter((group) => !isReady(group));
  const allReady = waiting.length === 0 && rolling === undefined;
  const waitingFor = waiting.map((g) => `${g.name} ${g.readyReplicas}/${g.replicas}`).join(', ');
  const [firstProblem] = problems;
  const degraded = firstProblem !== undefined;
  return [
    allReady
      ? { type: CONDITION.ready, status: 'True', reason: 'AllGroupsReady', message: `all ${groups.length} groups are ready` }
      : { type: CONDITION.ready, status: 'False', reason: 'GroupsNotReady', message: `pods ready: ${waitingFor || 'all, some on an outdated revision'}` },
    progressing(allReady, degraded, rolling, rollingReason, waitingFor),
    degraded
      ? { type: CONDITION.degraded, status: 'True', reason: firstProblem.reason, message: problems.map((p) => p.message).join('; ') }
      : { type: CONDITION.degraded, status: 'False', reason: 'AsExpected', message: 'no problems' },
  ];
}
