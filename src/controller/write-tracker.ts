// The operator's own writes, by resourceVersion. Informer caches trail the API server, so a
// pass right after a write may still see the object as it was before (or not at all) and would
// send the same write again. A cache that still shows the version the write replaced is behind;
// any other version is news: the write has arrived, or someone changed the object since, which
// is drift to correct at once rather than hide for a while.

interface TrackedWrite {
  /** The resourceVersion the cache showed when the write was sent; undefined: no object. */
  readonly replaced: string | undefined;
  readonly at: number;
}

export class WriteTracker {
  private readonly writes = new Map<string, TrackedWrite>();

  /** `maxLagMs`: a safety net; a write not seen by the cache within it is forgotten (and made again if still needed). */
  constructor(private readonly maxLagMs: number) {}

  /** Records a write to `key` that replaced `replaced` (the cached resourceVersion) with `written`. */
  record(key: string, replaced: string | undefined, written: string | undefined, now: Date): void {
    // An apply that changed nothing keeps the version: the cache is already current.
    if (written !== undefined && written === replaced) this.writes.delete(key);
    else this.writes.set(key, { replaced, at: now.getTime() });
  }

  /** True while the cache still shows what this operator's last write to `key` replaced. */
  inFlight(key: string, cachedVersion: string | undefined, now: Date): boolean {
    const write = this.writes.get(key);
    if (!write) return false;
    if (write.replaced === cachedVersion && now.getTime() - write.at < this.maxLagMs) return true;
    this.writes.delete(key);
    return false;
  }

  /** Milliseconds until the oldest write under `prefix` stops being trusted, if one is in flight. */
  pendingFor(prefix: string, now: Date): number | undefined {
    let soonest: number | undefined;
    for (const [key, write] of this.writes) {
      if (!key.startsWith(prefix)) continue;
      const remaining = write.at + this.maxLagMs - now.getTime();
      if (remaining <= 0) this.writes.delete(key);
      else soonest = Math.min(soonest ?? Infinity, remaining);
    }
    return soonest;
  }

  forget(prefix: string): void {
    for (const key of this.writes.keys()) if (key.startsWith(prefix)) this.writes.delete(key);
  }
}
