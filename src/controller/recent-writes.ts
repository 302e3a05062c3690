// Writes this operator made moments ago. Informer caches trail the API server, so
// a reconcile right after an apply may still see the old object (or none) and would
// send the same apply again. Within a short tolerance a recorded write counts as
// done; the reconcile is requeued to check the cache once the tolerance has passed.
import { contentHash } from '../kube/apply.js';

interface Entry {
  readonly fingerprint: string;
  readonly at: number;
}

export class RecentWrites {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly toleranceMs: number) {}

  record(key: string, content: unknown, now: Date): void {
    this.entries.set(key, { fingerprint: contentHash(content ?? null), at: now.getTime() });
  }

  /** True when the same write was recorded within the tolerance. */
  covers(key: string, content: unknown, now: Date): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (now.getTime() - entry.at >= this.toleranceMs) {
      this.entries.delete(key);
      return false;
    }
    return entry.fingerprint === contentHash(content ?? null);
  }

  /** Milliseconds until the latest recorded write under `prefix` is no longer trusted, if any is. */
  pendingFor(prefix: string, now: Date): number | undefined {
    let latest: number | undefined;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(`${prefix}|`)) continue;
      const remaining = entry.at + this.toleranceMs - now.getTime();
      if (remaining <= 0) this.entries.delete(key);
      else latest = Math.max(latest ?? 0, remaining);
    }
    return latest;
  }
}
