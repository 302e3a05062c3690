// Standard status conditions. lastTransitionTime moves only when a condition's
// status flips, so recomputing the same conditions never produces a new status
// (and never a status write that would wake the controller again).
import type { Condition } from '../api/schema.js';

export const CONDITION = { ready: 'Ready', progressing: 'Progressing', degraded: 'Degraded', quorate: 'Quorate' } as const;

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return next.map((condition) => {
    const before = previous?.find((c) => c.type === condition.type);
    const lastTransitionTime = before && before.status === condition.status ? before.lastTransitionTime : now.toISOString();
    return { ...condition, ...(generation !== undefined ? { observedGeneration: generation } : {}), lastTransitionTime };
  });
}

/** Whether two condition lists say the same thing, ignoring messages and times. */
export function sameVerdict(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const verdict = (conditions: readonly Condition[] | undefined) =>
    (conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).sort().join(',');
  return verdict(a) === verdict(b);
}
