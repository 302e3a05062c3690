/**
 * Worker loops over a WorkQueue with controller-runtime's result contract:
 * - thrown error → retried with per-key backoff (a TerminalError is reported, not retried);
 * - `{ blocked }` → the key waits for a change (of the spec, of an object in the way): reported
 *   once per distinct message, backoff reset, not retried; `requeueAfterMs` still applies;
 * - `{ requeueAfterMs }` → backoff reset, key re-added after the delay;
 * - anything else → backoff reset, nothing queued until the next event.
 */
import { systemClock, type Clock } from './clock.js';
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
  /** Why the key cannot progress until something changes; not an error. */
  blocked?: string;
}

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a reconciler with nothing to report returns nothing
export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

/** A failure that retrying cannot fix (invalid spec, …): reported once, then dropped. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export type ReconcileOutcome = 'success' | 'requeue_after' | 'blocked' | 'error';

/** Observer for reconcile metrics; `metrics.ts` provides the Prometheus implementation. */
export interface ReconcileMetrics {
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  activeWorkers(delta: number): void;
}

export interface RunWorkersOptions {
  /** Aborting shuts the queue down; in-flight reconciles finish, then the returned promise resolves. */
  signal?: AbortSignal;
  onError?: (key: string, error: unknown) => void;
  /** A key is blocked for a reason it was not blocked for on its previous pass. */
  onBlocked?: (key: string, reason: string) => void;
  metrics?: ReconcileMetrics;
  clock?: Clock;
}

/**
 * Runs `concurrency` loops that take keys from `queue` and reconcile them. Resolves after
 * the queue is shut down (directly or through `signal`) and every in-flight reconcile finished.
 */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  reconcile: Reconciler,
  options: RunWorkersOptions = {},
): Promise<void> {
  const shutDown = (): void => queue.shutDown();
  options.signal?.addEventListener('abort', shutDown, { once: true });
  if (options.signal?.aborted) shutDown();
  try {
    const blocked = new Map<string, string>();
    const loops = Array.from({ length: Math.max(1, concurrency) }, () => workerLoop(queue, reconcile, options, blocked));
    await Promise.all(loops);
  } finally {
    options.signal?.removeEventListener('abort', shutDown);
  }
}

/** Key → the reason it was last reported blocked for. */
type BlockedKeys = Map<string, string>;

async function workerLoop(queue: WorkQueue, reconcile: Reconciler, options: RunWorkersOptions, blocked: BlockedKeys): Promise<void> {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    options.metrics?.activeWorkers(1);
    try {
      await reconcileOnce(queue, key, reconcile, options, blocked);
    } finally {
      options.metrics?.activeWorkers(-1);
      queue.done(key);
    }
  }
}

async function reconcileOnce(
  queue: WorkQueue,
  key: string,
  reconcile: Reconciler,
  options: RunWorkersOptions,
  blocked: BlockedKeys,
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  let outcome: ReconcileOutcome;
  try {
    const result = await reconcile(key);
    queue.forget(key);
    const requeueAfterMs = result?.requeueAfterMs ?? 0;
    outcome = result?.blocked !== undefined ? 'blocked' : requeueAfterMs > 0 ? 'requeue_after' : 'success';
    noteBlocked(options, blocked, key, result?.blocked);
    if (requeueAfterMs > 0) queue.addAfter(key, requeueAfterMs);
  } catch (error) {
    outcome = 'error';
    reportError(options, key, error);
    if (error instanceof TerminalError) queue.forget(key);
    else queue.addRateLimited(key);
  }
  options.metrics?.reconciled(outcome, (clock.now() - startedAt) / 1000);
}

function noteBlocked(options: RunWorkersOptions, blocked: BlockedKeys, key: string, reason: string | undefined): void {
  if (reason === undefined) {
    blocked.delete(key);
    return;
  }
  if (blocked.get(key) === reason) return;
  blocked.set(key, reason);
  try {
    options.onBlocked?.(key, reason);
  } catch {
    // As with onError: reporting must not stop the worker loop.
  }
}

function reportError(options: RunWorkersOptions, key: string, error: unknown): void {
  try {
    options.onError?.(key, error);
  } catch {
    // A failing error reporter must not stop the worker loop; the retry is still scheduled.
  }
}
