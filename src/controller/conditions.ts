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

/**
 * Whether two condition lists say the same thing, ignoring messages and times. Groups regaining
 * their quorum (`next` says Quorate True) is progress, written with the next verdict or after the
 * coalescing delay, so a starting cluster still costs two status writes; losing it is news.
 */
export function sameVerdict(a: readonly Condition[] | undefined, next: readonly Condition[] | undefined): boolean {
  const regained = next?.some((c) => c.type === CONDITION.quorate && c.status === 'True') ?? false;
  const verdict = (conditions: readonly Condition[] | undefined) =>
    (conditions ?? [])
      .filter((c) => !(regained && c.type === CONDITION.quorate))
      .map((c) => `${c.type}=${c.status}/${c.reason}`)
      .sort()
      .join(',');
  return verdict(a) === verdict(next);
}
