/**
 * A rate-limited, de-duplicating work queue with client-go semantics:
 * - stingy: a key added many times before it is processed is handed out once;
 * - exclusive: a key is never handed to two workers at once; a key added while it is
 *   being processed is handed out exactly once more after `done`;
 * - delayed adds keep the earliest ready time;
 * - failures retried with client-go's default controller rate limiter: the larger of a per-key
 *   exponential backoff (reset by `forget`) and a token bucket shared by all keys (10 retries per
 *   second, bursts of 100), so many keys failing at once cannot turn into a storm of retries.
 */
import { systemClock, type Clock, type TimerHandle } from './clock.js';

export interface RateLimiter {
  /** Delay before the next retry of `key`; each call counts as one more failure. */
  when(key: string): number;
  forget(key: string): void;
  numRequeues(key: string): number;
}

/** Per-key exponential backoff: base, 2×base, 4×base, … capped at maxMs. */
export class ExponentialBackoffRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 5 * 60_000,
  ) {}

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // Past 2^40 the doubling only overflows towards Infinity; the cap applies anyway.
    return Math.min(this.baseMs * 2 ** Math.min(failures, 40), this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * One bucket for all keys: each retry takes a token, tokens come back at `perSecond`; without a
 * token the retry waits for the next one (tokens are reserved, so waiting retries queue up).
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.perSecond) * 1000;
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The longest delay any of `limiters` asks for (client-go's MaxOfRateLimiter). */
class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(...this.limiters.map((limiter) => limiter.numRequeues(key)));
  }
}

/** client-go's DefaultControllerRateLimiter, with the per-key backoff capped at 5 minutes. */
export function defaultControllerRateLimiter(clock: Clock = systemClock): RateLimiter {
  return new MaxOfRateLimiter(new ExponentialBackoffRateLimiter(), new TokenBucketRateLimiter(10, 100, clock));
}

/** Observer for queue metrics; `metrics.ts` provides the Prometheus implementation. */
export interface WorkQueueMetrics {
  added(): void;
  depth(depth: number): void;
  retried(): void;
  /** Time a key waited in the queue before a worker took it. */
  waited(seconds: number): void;
  /** Time between a worker taking a key and calling `done`. */
  worked(seconds: number): void;
}

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

interface DelayedAdd {
  readyAt: number;
  timer: TimerHandle;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;
  /** FIFO of ready keys; a Set keeps insertion order and each key at most once. */
  private readonly ready = new Set<string>();
  /** Keys that need a pass: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet `done`, with the time they were taken. */
  private readonly processing = new Map<string, number>();
  private readonly queuedAt = new Map<string, number>();
  private readonly delayed = new Map<string, DelayedAdd>();
  private readonly waitingWorkers: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    this.metrics = options.metrics;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    if (!this.processing.has(key)) this.enqueue(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { readyAt, timer });
  }

  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.retried();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the failure count of `key`, so its next failure backs off from the base delay. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Next key to process; waits while the queue is empty; `undefined` once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.ready.size > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.waitingWorkers.push(resolve));
  }

  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics?.worked((this.clock.now() - startedAt) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  /** Stops handing out keys: waiting and future `get` calls return undefined, adds are ignored. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    for (const resolve of this.waitingWorkers.splice(0)) resolve(undefined);
  }

  /** Keys ready to be handed out (not counting delayed or in-flight keys). */
  len(): number {
    return this.ready.size;
  }

  private enqueue(key: string): void {
    this.ready.add(key);
    this.queuedAt.set(key, this.clock.now());
    this.metrics?.depth(this.ready.size);
    const worker = this.waitingWorkers.shift();
    if (worker) worker(this.take());
  }

  private take(): string | undefined {
    const next = this.ready.values().next();
    if (next.done) return undefined;
    const key = next.value;
    this.ready.delete(key);
    this.dirty.delete(key);
    const now = this.clock.now();
    this.processing.set(key, now);
    this.metrics?.waited((now - (this.queuedAt.get(key) ?? now)) / 1000);
    this.queuedAt.delete(key);
    this.metrics?.depth(this.ready.size);
    return key;
  }
}
