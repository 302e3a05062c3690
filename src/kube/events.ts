/**
 * Records events.k8s.io/v1 Events about an object (shown by `kubectl describe`).
 *
 * An identical event (same object, type, reason, action and note) within the
 * de-duplication window is dropped rather than written again, so a reconcile that repeats
 * itself does not turn into a stream of writes. Recording never throws and never blocks a
 * reconcile: the write happens in the background and failures go to `onError`.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { systemClock, toMicroTime, type Clock } from './clock.js';
import type { RawRequester } from './apply.js';

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
  /** Bound on remembered events; the oldest are forgotten first. */
  maxTracked?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
}

const DEFAULT_DEDUPE_WINDOW_MS = 5 * 60_000;
const DEFAULT_MAX_TRACKED = 4096;
const MAX_NOTE_BYTES = 1024;
const MAX_ACTION_LENGTH = 128;

export class EventRecorder {
  private readonly clock: Clock;
  private readonly dedupeWindowMs: number;
  private readonly maxTracked: number;
  /** Event identity → time it was last written; Map order is insertion order, oldest first. */
  private readonly lastWritten = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.dedupeWindowMs = options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.maxTracked = options.maxTracked ?? DEFAULT_MAX_TRACKED;
  }

  /** Returns true when an event write was started, false when it was de-duplicated. */
  record(regarding: KubernetesObject, details: EventDetails): boolean {
    const now = this.clock.now();
    const identity = eventIdentity(regarding, details);
    const writtenAt = this.lastWritten.get(identity);
    if (writtenAt !== undefined && now - writtenAt < this.dedupeWindowMs) return false;
    this.remember(identity, now);
    const write = this.write(regarding, details, now).catch((error: unknown) => {
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

function eventIdentity(regarding: KubernetesObject, details: EventDetails): string {
  const object = regarding.metadata?.uid ?? `${regarding.kind ?? ''}/${regarding.metadata?.namespace ?? ''}/${regarding.metadata?.name ?? ''}`;
  return JSON.stringify([object, details.type, details.reason, details.action, details.note]);
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
