/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics and
 * default timings (15 s lease, 10 s renew deadline, 2 s retry period).
 *
 * A candidate takes the lease when it is free, released, or not renewed for a lease
 * duration. Expiry is judged from when this process last saw the lease change, on its own
 * clock, never from the timestamps written by another machine (clock skew). The leader
 * renews every retry period and steps down when it could not renew within the renew
 * deadline; on shutdown it releases the lease so a successor need not wait for expiry.
 *
 * Note: each renewal is a write to the Lease (one every retry period while leading).
 */
import { sleep, systemClock, toMicroTime, type Clock } from './clock.js';
import type { RawRequester } from './transport.js';
import { isConflict, isNotFound } from './errors.js';
import { collectionPath, objectPath, resources } from './resources.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: RawRequester;
  namespace: string;
  name: string;
  /** Unique per process, e.g. the pod name. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  /** Source of jitter in [0, 1) for the retry period. */
  random?: () => number;
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown) => void;
}

/** How leadership ended: the lease could not be renewed in time, or `signal` aborted. */
export type LeadershipEnd = 'lost' | 'released';

const RETRY_JITTER = 0.2;

export class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  /** The lease as last read or written, for conflict-checked updates without a read. */
  private lastLease: Lease | undefined;
  /** The lease spec as last observed, and when (our clock): the basis of expiry. */
  private observed: { spec: LeaseSpec; at: number } | undefined;
  private knownLeader: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('the renew deadline must be shorter than the lease duration');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Retries until the lease is acquired (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal, this.retryPeriodMs)) {
        this.leading = true;
        this.noticeLeader(this.options.identity);
        return true;
      }
      await sleep(this.clock, this.jitteredRetryPeriod(), signal);
    }
    return false;
  }

  /**
   * Renews every retry period while leading. Resolves 'lost' when no renewal succeeded within
   * the renew deadline (stop reconciling at once), or 'released' after `signal` aborted and
   * the lease was handed back.
   */
  async hold(signal: AbortSignal): Promise<LeadershipEnd> {
    let lastRenewedAt = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal may have aborted while awaiting
      if (signal.aborted) break;
      const remaining = lastRenewedAt + this.renewDeadlineMs - this.clock.now();
      if (remaining > 0 && (await this.tryAcquireOrRenew(signal, remaining))) {
        lastRenewedAt = this.clock.now();
      } else if (this.clock.now() - lastRenewedAt >= this.renewDeadlineMs) {
        this.leading = false;
        return 'lost';
      }
    }
    await this.release();
    return 'released';
  }

  /** Hands the lease back (empty holder, 1 s duration) if this process holds it. */
  async release(): Promise<void> {
    if (!this.leading || !this.lastLease) return;
    this.leading = false;
    const now = toMicroTime(this.clock.now());
    const spec: LeaseSpec = {
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.lastLease.spec?.leaseTransitions ?? 0,
    };
    try {
      this.lastLease = await this.write('PUT', spec, undefined);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal, budgetMs: number): Promise<boolean> {
    const attempt = new AbortController();
    const timer = this.clock.setTimeout(() => attempt.abort(), budgetMs);
    const stop = (): void => attempt.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      return await this.attempt(attempt.signal);
    } catch (error) {
      // A conflict means someone else wrote the lease: read it fresh next time.
      if (isConflict(error)) this.lastLease = undefined;
      else if (!attempt.signal.aborted) this.options.onError?.(error);
      return false;
    } finally {
      this.clock.clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }

  private async attempt(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    // While leading, renew straight from the last written lease; its resourceVersion guards against races.
    const current = this.leading && this.lastLease ? this.lastLease : await this.read(signal);
    if (!current) {
      this.lastLease = await this.write('POST', this.ownSpec(undefined, now), signal);
      this.observe(this.lastLease.spec ?? {}, now);
      return true;
    }
    const spec = current.spec ?? {};
    this.observe(spec, now);
    const holder = spec.holderIdentity;
    if (holder) this.noticeLeader(holder);
    if (holder && holder !== this.options.identity && !this.expired(spec, now)) return false;
    this.lastLease = await this.write('PUT', this.ownSpec(spec, now), signal, current.metadata?.resourceVersion);
    this.observe(this.lastLease.spec ?? {}, now);
    return true;
  }

  private ownSpec(previous: LeaseSpec | undefined, now: number): LeaseSpec {
    const renewing = previous?.holderIdentity === this.options.identity;
    const transitions = previous?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: renewing && previous.acquireTime ? previous.acquireTime : toMicroTime(now),
      renewTime: toMicroTime(now),
      leaseTransitions: renewing || !previous ? transitions : transitions + 1,
    };
  }

  private observe(spec: LeaseSpec, now: number): void {
    const changed =
      !this.observed ||
      this.observed.spec.holderIdentity !== spec.holderIdentity ||
      this.observed.spec.renewTime !== spec.renewTime;
    if (changed) this.observed = { spec, at: now };
  }

  private expired(spec: LeaseSpec, now: number): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    return (this.observed?.at ?? now) + durationMs <= now;
  }

  private noticeLeader(identity: string): void {
    if (identity === this.knownLeader) return;
    this.knownLeader = identity;
    this.options.onNewLeader?.(identity);
  }

  private jitteredRetryPeriod(): number {
    return this.retryPeriodMs * (1 + RETRY_JITTER * (this.options.random ?? Math.random)());
  }

  private async read(signal: AbortSignal): Promise<Lease | undefined> {
    const { namespace, name } = this.options;
    try {
      return await this.options.client.request<Lease>({ method: 'GET', path: objectPath(resources.leases, namespace, name), signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private write(method: 'POST' | 'PUT', spec: LeaseSpec, signal: AbortSignal | undefined, resourceVersion?: string): Promise<Lease> {
    const { namespace, name } = this.options;
    const path = method === 'POST' ? collectionPath(resources.leases, namespace) : objectPath(resources.leases, namespace, name);
    const metadata = { name, namespace, resourceVersion: resourceVersion ?? this.lastLease?.metadata?.resourceVersion };
    return this.options.client.request<Lease>({
      method,
      path,
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: method === 'POST' ? { name, namespace } : metadata, spec },
      ...(signal ? { signal } : {}),
    });
  }
}
