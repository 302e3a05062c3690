// Pausing a cluster: with the annotation agent.atomix.io/paused: "true" the operator writes
// nothing to the cluster's objects (no apply, create, prune, resize) and nothing to the cluster
// but one status write that says so, until the annotation is removed. For maintenance by hand
// (or an investigation) without the operator putting things back.
import type { AtomixCluster, AtomixClusterStatus, Condition } from '../api/schema.js';
import { CONDITION } from './conditions.js';

const PAUSED_ANNOTATION = 'agent.atomix.io/paused';
const PAUSED = 'Paused';

export function isPaused(cluster: AtomixCluster): boolean {
  return cluster.metadata.annotations?.[PAUSED_ANNOTATION] === 'true';
}

/**
 * The status of a paused cluster: as it was, with Progressing False/Paused. Once it says so it
 * stays byte-identical (no observedGeneration or time moves), so a spec change while paused
 * costs no write.
 */
export function pausedStatus(cluster: AtomixCluster, now: Date): AtomixClusterStatus {
  const conditions = cluster.status?.conditions ?? [];
  const progressing = conditions.find((c) => c.type === CONDITION.progressing);
  if (progressing?.reason === PAUSED) return cluster.status ?? {};
  const paused: Condition = {
    type: CONDITION.progressing,
    status: 'False',
    reason: PAUSED,
    message: `${PAUSED_ANNOTATION} is "true": the operator changes nothing until the annotation is removed`,
    lastTransitionTime: progressing?.status === 'False' ? progressing.lastTransitionTime : now.toISOString(),
    ...(cluster.metadata.generation !== undefined ? { observedGeneration: cluster.metadata.generation } : {}),
  };
  return { ...cluster.status, conditions: [...conditions.filter((c) => c.type !== CONDITION.progressing), paused] };
}
