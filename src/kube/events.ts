/**
 * Records events.k8s.io/v1 Events about an object (shown by `kubectl describe`).
 *
 * Like client-go's event correlator, it keeps a reconcile that repeats itself from turning into
 * a stream of writes:
 * - an identical event (same object, type, reason, action and note) within the
 *   de-duplication window is dropped;
 * - similar events (the same but for the note) are written up to `maxSimilar` times per
 *   aggregation window, then once more as "(combined from similar events): …", then dropped
 *   until the window ends;
 * - each object has a token bucket (`spamBurst` events, one more every `spamRefillMs`).
 * Recording never throws and never blocks a reconcile: the write happens in the background
 * and failures go to `onError`.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { systemClock, toMicroTime, type Clock } from './clock.js';
import type { RawRequester } from './transport.js';

type EventType = 'Normal' | 'Warning';

export interface EventDetails {
  type: EventType;
  /** Short, CamelCase, machine-readable: 'Created', 'ReconcileFailed'. */
  reason: string;
  /** What the operator did or failed to do: 'Apply', 'Reconcile'. */
  action: string;
  /** Human-readable message (truncated to the API's 1 kB limit). */
  note: string;
}

export interface EventRecorderOptions {
  client: RawRequester;
  /** e.g. 'agent.atomix.io/atomix-operator'. */
  reportingController: string;
  /** This process, e.g. the pod name. */
  reportingInstance: string;
  dedupeWindowMs?: number;
  maxSimilar?: number;
  aggregateWindowMs?: number;
  spamBurst?: number;
  spamRefillMs?: number;
  /** Bound on remembered events (per kind of memory); the oldest are forgotten first. */
  maxTracked?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
}

const DEFAULT_DEDUPE_WINDOW_MS = 5 * 60_000;
// client-go's defaults (tools/record/events_cache.go).
const DEFAULT_MAX_SIMILAR = 10;
const DEFAULT_AGGREGATE_WINDOW_MS = 10 * 60_000;
const DEFAULT_SPAM_BURST = 25;
const DEFAULT_SPAM_REFILL_MS = 5 * 60_000;
const COMBINED_PREFIX = '(combined from similar events): ';
const DEFAULT_MAX_TRACKED = 4096;
const MAX_NOTE_BYTES = 1024;
const MAX_ACTION_LENGTH = 128;

export class EventRecorder {
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;
  private readonly maxTracked: number;
  /** Event identity → time it was last written; Map order is insertion order, oldest first. */
  private readonly lastWritten = new Map<string, number>();
  /** Object, type, reason and action → similar events seen in the current aggregation window. */
  private readonly similar = new Map<string, { count: number; since: number }>();
  /** Object → its spam-filter bucket. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.dedupeWindowMs = options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.maxTracked = options.maxTracked ?? DEFAULT_MAX_TRACKED;
  }

  /** Returns true when an event write was started, false when it was de-duplicated, aggregated away or filtered as spam. */
  record(regarding: KubernetesObject, details: EventDetails): boolean {
    const now = this.clock.now();
    const identity = eventIdentity(regarding, details);
    const writtenAt = this.lastWritten.get(identity);
    if (writtenAt !== undefined && now - writtenAt < this.dedupeWindowMs) return false;
    const similar = this.countSimilar(regarding, details, now);
    const maxSimilar = this.options.maxSimilar ?? DEFAULT_MAX_SIMILAR;
    if (similar > maxSimilar + 1) return false;
    if (!this.takeToken(objectIdentity(regarding), now)) return false;
    this.remember(identity, now);
    const note = similar === maxSimilar + 1 ? `${COMBINED_PREFIX}${details.note}` : details.note;
    const write = this.write(regarding, { ...details, note }, now).catch((error: unknown) => {
      // A failed write should not suppress the next attempt.
      this.lastWritten.delete(identity);
      this.options.onError?.(error);
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
    return true;
  }

  /** Resolves once every started write has finished (for shutdown and tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private remember(identity: string, now: number): void {
    this.lastWritten.delete(identity);
    this.lastWritten.set(identity, now);
    for (const [oldest, writtenAt] of this.lastWritten) {
      if (this.lastWritten.size <= this.maxTracked && now - writtenAt < this.dedupeWindowMs) break;
      this.lastWritten.delete(oldest);
    }
  }

  /** How many similar events (this one included) the current aggregation window has seen. */
  private countSimilar(regarding: KubernetesObject, details: EventDetails, now: number): number {
    const key = JSON.stringify([objectIdentity(regarding), details.type, details.reason, details.action]);
    const window = this.options.aggregateWindowMs ?? DEFAULT_AGGREGATE_WINDOW_MS;
    const previous = this.similar.get(key);
    const group = previous && now - previous.since < window ? { count: previous.count + 1, since: previous.since } : { count: 1, since: now };
    setNewest(this.similar, key, group, this.maxTracked);
    return group.count;
  }

  private takeToken(object: string, now: number): boolean {
    const burst = this.options.spamBurst ?? DEFAULT_SPAM_BURST;
    const refillMs = this.options.spamRefillMs ?? DEFAULT_SPAM_REFILL_MS;
    const bucket = this.buckets.get(object) ?? { tokens: burst, at: now };
    const tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / refillMs);
    const allowed = tokens >= 1;
    setNewest(this.buckets, object, { tokens: allowed ? tokens - 1 : tokens, at: now }, this.maxTracked);
    return allowed;
  }

  private async write(regarding: KubernetesObject, details: EventDetails, now: number): Promise<void> {
    const namespace = regarding.metadata?.namespace || 'default';
    const name = `${regarding.metadata?.name ?? 'unknown'}.${eventSuffix(now, this.sequence++)}`;
    await this.options.client.request({
      method: 'POST',
      path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: toMicroTime(now),
        reportingController: this.options.reportingController,
        reportingInstance: this.options.reportingInstance,
        type: details.type,
        reason: details.reason,
        action: details.action.slice(0, MAX_ACTION_LENGTH),
        note: truncateUtf8(details.note, MAX_NOTE_BYTES),
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          namespace: regarding.metadata?.namespace,
          name: regarding.metadata?.name,
          uid: regarding.metadata?.uid,
        },
      },
    });
  }
}

function objectIdentity(regarding: KubernetesObject): string {
  return regarding.metadata?.uid ?? `${regarding.kind ?? ''}/${regarding.metadata?.namespace ?? ''}/${regarding.metadata?.name ?? ''}`;
}

function eventIdentity(regarding: KubernetesObject, details: EventDetails): string {
  return JSON.stringify([objectIdentity(regarding), details.type, details.reason, details.action, details.note]);
}

/** Sets `key` as the newest entry of `map` and forgets the oldest beyond `max`. */
function setNewest<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

/** Unique per process like client-go's `<name>.<hex nanoseconds>`, with a sequence for same-millisecond events. */
function eventSuffix(nowMs: number, sequence: number): string {
  return (BigInt(nowMs) * 1_000_000n + BigInt(sequence % 1_000_000)).toString(16);
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let truncated = text.slice(0, maxBytes);
  while (Buffer.byteLength(truncated) > maxBytes - 3) truncated = truncated.slice(0, -1);
  return `${truncated}...`;
}
