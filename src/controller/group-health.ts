// Whether each Atomix server group takes writes (has its quorum), from periodic write probes
// (group-probe.ts), like etcd-druid's `Quorate`. The operator passes over every cluster each
// HEALTH_PROBE_INTERVAL_MS; a group is probed again once its last verdict is that old, or at
// once when the number of its Ready members changed; the
// status carries the verdict, and a status is written only when something in it changed, so an
// idle cluster still costs no write.
import type { GroupProber, WriteProbeResult } from './group-probe.js';
import type { GroupView } from './rollout.js';

export const HEALTH_PROBE_INTERVAL_MS = 30_000;

interface Verdict {
  readonly result: WriteProbeResult;
  readonly readyMembers: number;
  readonly atMs: number;
}


export class GroupHealth {
  /** Cluster key → group name → last verdict. */
  private readonly verdicts = new Map<string, Map<string, Verdict>>();
  /** Cluster key → the groups its last check probed (no earlier verdict reused) and found writable. */
  private readonly writableJustNow = new Map<string, Set<string>>();

  constructor(private readonly prober: GroupProber, private readonly now: () => Date) {}

  /** Per group name, whether it takes writes. */
  async check(key: string, groups: readonly GroupView[], maxAgeMs = HEALTH_PROBE_INTERVAL_MS): Promise<ReadonlyMap<string, WriteProbeResult>> {
    const known = this.verdicts.get(key) ?? new Map<string, Verdict>();
    this.verdicts.set(key, known);
    const nowMs = this.now().getTime();
    const fresh = await Promise.all(groups.map(async (group) => [group.name, await this.verdict(group, known.get(group.name), nowMs, maxAgeMs)] as const));
    this.writableJustNow.set(key, new Set(fresh.filter(([name, verdict]) => verdict !== known.get(name) && verdict.result.writable).map(([name]) => name)));
    for (const name of known.keys()) if (!groups.some((group) => group.name === name)) known.delete(name);
    for (const [name, verdict] of fresh) known.set(name, verdict);
    return new Map(fresh.map(([name, verdict]) => [name, verdict.result]));
  }

  /**
   * Whether the last check of `key` wrote to `group` itself, with the members the pass sees: a
   * rollout gate in the same pass can take that write as its own instead of writing again.
   */
  tookWriteJustNow(key: string, group: string): boolean {
    return this.writableJustNow.get(key)?.has(group) ?? false;
  }

  forget(key: string): void {
    this.verdicts.delete(key);
    this.writableJustNow.delete(key);
  }

  private async verdict(group: GroupView, last: Verdict | undefined, nowMs: number, maxAgeMs: number): Promise<Verdict> {
    const ready = group.members.filter((member) => member.ready && !member.terminating);
    if (last && last.readyMembers === ready.length && nowMs - last.atMs < maxAgeMs) return last;
    const result: WriteProbeResult =
      ready.length === 0
        ? { writable: false, reason: `no member of ${group.name} is Ready` }
        : await this.prober.probe({ group: group.name, probe: group.writeProbe, replicas: group.replicas, readyMembers: ready.length, through: ready });
    return { result, readyMembers: ready.length, atMs: nowMs };
  }
}
