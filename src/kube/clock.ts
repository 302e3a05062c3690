/**
 * Time source for everything in src/kube that waits. Production code uses
 * `systemClock`; tests drive a `ManualClock` so no assertion depends on real time.
 */
/** Opaque: a Node `Timeout` for the system clock, an internal record for `ManualClock`. */
export type TimerHandle = object;

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock, or early (without rejecting) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const finish = (): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = clock.setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function toMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Lets every pending promise continuation run (two macrotask turns cover chained awaits). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface ManualTimer {
  readonly dueAt: number;
  readonly sequence: number;
  readonly callback: () => void;
}

/** A clock that only moves when told to; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  private current: number;
  private nextSequence = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: ManualTimer = {
      dueAt: this.current + Math.max(0, delayMs),
      sequence: this.nextSequence++,
      callback,
    };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers one at a time and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let timer = this.earliestDue(target); timer; timer = this.earliestDue(target)) {
      this.timers.delete(timer);
      this.current = timer.dueAt;
      timer.callback();
      await settle();
    }
    this.current = target;
  }

  private earliestDue(limit: number): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt > limit) continue;
      if (!earliest || timer.dueAt < earliest.dueAt || (timer.dueAt === earliest.dueAt && timer.sequence < earliest.sequence)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}
