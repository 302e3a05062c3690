// What a pass ended in, and what the work queue does about it (controller-runtime's result
// contract, with etcd-druid's idea of classified step results):
// - done: converged for now, nothing queued until the next event;
// - requeue: look again after a while (progress being coalesced, a cache catching up);
// - blocked: the spec, or an object in the way, must change first (InvalidSpec,
//   StorageImmutable, NameConflict). Not an error: reported once, never retried with backoff,
//   looked at again only if something may have changed by itself (a name held by someone else);
// - failed: retried with backoff (an apply the API server refused).
import type { ReconcileResult } from '../kube/workers.js';
import type { Problem } from './status.js';

export type PassOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeue'; readonly afterMs: number }
  | { readonly kind: 'blocked'; readonly problems: readonly Problem[]; readonly recheckAfterMs?: number }
  | { readonly kind: 'failed'; readonly problems: readonly Problem[] };

export const DONE: PassOutcome = { kind: 'done' };

/** The outcome of a pass that ran to its end with these problems and requests to look again. */
export function classify(problems: readonly Problem[], requeues: readonly (number | undefined)[]): PassOutcome {
  const delays = requeues.filter((ms): ms is number => ms !== undefined);
  const soonest = delays.length > 0 ? Math.min(...delays) : undefined;
  const failures = problems.filter((problem) => !problem.terminal);
  if (failures.length > 0) return { kind: 'failed', problems: failures };
  if (problems.length > 0) return { kind: 'blocked', problems, ...(soonest !== undefined ? { recheckAfterMs: soonest } : {}) };
  return soonest !== undefined ? { kind: 'requeue', afterMs: soonest } : DONE;
}

/** The work queue's view of an outcome; a failure is thrown, so the worker retries it with backoff. */
export function toReconcileResult(outcome: PassOutcome): ReconcileResult {
  switch (outcome.kind) {
    case 'done':
      return {};
    case 'requeue':
      return { requeueAfterMs: outcome.afterMs };
    case 'blocked':
      return { blocked: describe(outcome.problems), ...(outcome.recheckAfterMs !== undefined ? { requeueAfterMs: outcome.recheckAfterMs } : {}) };
    case 'failed':
      throw new Error(describe(outcome.problems));
  }
}

function describe(problems: readonly Problem[]): string {
  return problems.map((problem) => problem.message).join('; ');
}
