// Someone else keeps changing an object the operator owns (a script, another controller, a user
// with kubectl edit). The first change is drift and is put back at once; when changes keep
// coming, the operator puts the object back less and less often (per object, exponentially) and
// says once, in a Warning Event, who is fighting it, instead of matching every edit with a write.

const FIRST_RESTORE_DELAY_MS = 5_000;
const MAX_RESTORE_DELAY_MS = 5 * 60_000;
/** A fight is over once the object has stayed as applied for this long. */
const FIGHT_MEMORY_MS = 10 * 60_000;

interface Fight {
  restores: number;
  lastRestoreAt: number;
}

export type DriftDecision =
  /** `escalated`: the changes keep coming; this is the moment to say so, once. */
  | { restore: true; escalated: boolean }
  | { restore: false; retryInMs: number };

export class ExternalEdits {
  private readonly fights = new Map<string, Fight>();

  /** Called when the live object no longer matches what the operator applied, and the spec did not change. */
  onDrift(key: string, now: Date): DriftDecision {
    const at = now.getTime();
    const fight = this.fights.get(key);
    if (!fight || at - fight.lastRestoreAt >= FIGHT_MEMORY_MS) {
      this.fights.set(key, { restores: 1, lastRestoreAt: at });
      return { restore: true, escalated: false };
    }
    const delay = Math.min(FIRST_RESTORE_DELAY_MS * 2 ** (fight.restores - 1), MAX_RESTORE_DELAY_MS);
    const retryInMs = fight.lastRestoreAt + delay - at;
    if (retryInMs > 0) return { restore: false, retryInMs };
    fight.restores += 1;
    fight.lastRestoreAt = at;
    return { restore: true, escalated: fight.restores === 2 };
  }

  forget(prefix: string): void {
    for (const key of this.fights.keys()) if (key.startsWith(prefix)) this.fights.delete(key);
  }
}
