// The kubelet's restart back-off (CrashLoopBackOff, ImagePullBackOff): the first retry is
// immediate, then 10 s doubling up to 5 min; a container that ran for 10 min starts over.

export const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** The delay the next failure will wait; undefined before the first failure. */
export type BackoffState = { nextDelayMs: number } | undefined;

export interface BackoffStep {
  /** How long to wait before the retry (0: retry at once). */
  delayMs: number;
  state: BackoffState;
}

/** The wait after one more failure; `ranForMs`: how long the failed attempt was running. */
export function nextBackoff(state: BackoffState, ranForMs = 0): BackoffStep {
  const current = ranForMs >= BACKOFF.resetAfterMs ? undefined : state;
  if (current === undefined) return { delayMs: 0, state: { nextDelayMs: BACKOFF.initialMs } };
  return { delayMs: current.nextDelayMs, state: { nextDelayMs: Math.min(current.nextDelayMs * 2, BACKOFF.maxMs) } };
}

/** "5m0s", "40s": how the kubelet prints a back-off in its messages. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}
