/**
 * Worker loops over a WorkQueue with controller-runtime's result contract:
 * - thrown error → retried with per-key backoff (a TerminalError is reported, not retried);
 * - `{ requeueAfterMs }` → backoff reset, key re-added after the delay;
 * - anything else → backoff reset, nothing queued until the next event.
 */
import { systemClock, type Clock } from './clock.js';
import type { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

/** A failure that retrying cannot fix (invalid spec, …): reported once, then dropped. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export type ReconcileOutcome = 'success' | 'requeue_after' | 'error';

/** Observer for reconcile metrics; `metrics.ts` provides the Prometheus implementation. */
export interface ReconcileMetrics {
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  activeWorkers(delta: number): void;
}

export interface RunWorkersOptions {
  /** Aborting shuts the queue down; in-flight reconciles finish, then the returned promise resolves. */
  signal?: AbortSignal;
  onError?: (key: string, error: unknown) => void;
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
    const loops = Array.from({ length: Math.max(1, concurrency) }, () => workerLoop(queue, reconcile, options));
    await Promise.all(loops);
  } finally {
    options.signal?.removeEventListener('abort', shutDown);
  }
}

async function workerLoop(queue: WorkQueue, reconcile: Reconciler, options: RunWorkersOptions): Promise<void> {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    options.metrics?.activeWorkers(1);
    try {
      await reconcileOnce(queue, key, reconcile, options);
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
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  let outcome: ReconcileOutcome;
  try {
    const result = await reconcile(key);
    queue.forget(key);
    const requeueAfterMs = result?.requeueAfterMs ?? 0;
    outcome = requeueAfterMs > 0 ? 'requeue_after' : 'success';
    if (requeueAfterMs > 0) queue.addAfter(key, requeueAfterMs);
  } catch (error) {
    outcome = 'error';
    reportError(options, key, error);
    if (error instanceof TerminalError) queue.forget(key);
    else queue.addRateLimited(key);
  }
  options.metrics?.reconciled(outcome, (clock.now() - startedAt) / 1000);
}

function reportError(options: RunWorkersOptions, key: string, error: unknown): void {
  try {
    options.onError?.(key, error);
  } catch {
    // A failing error reporter must not stop the worker loop; the retry is still scheduled.
  }
}
