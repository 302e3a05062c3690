// Whether an Atomix group takes writes right now. Pod readiness cannot tell: a member's
// /v1/status keeps answering 200 after its group has lost quorum (real-atomix-findings.md §A,
// §D). So the operator writes through the Atomix REST API of a Ready member: a few keys of an
// atomic map in that group, whose keys hash to the group's partitions, each write bounded by a
// short timeout. A write that times out means "unknown", which for a gate means "no".
import type { WriteProbeSpec } from '../render/index.js';
import { PORTS } from '../render/ports.js';
import type { MemberView } from './rollout.js';

export interface WriteProbeTarget {
  /** The group's name in status. */
  readonly group: string;
  readonly probe: WriteProbeSpec;
  readonly replicas: number;
  /** How many members are Ready now (the one about to be replaced included). */
  readonly readyMembers: number;
  /** The members to write through: Ready ones, never one about to be replaced. */
  readonly through: readonly MemberView[];
}

export type WriteProbeResult = { readonly writable: true } | { readonly writable: false; readonly reason: string };

/** Injectable, so unit tests drive the gates and simulated pods (which run no Atomix) answer from readiness. */
export interface GroupProber {
  probe(target: WriteProbeTarget): Promise<WriteProbeResult>;
}

/** The map the operator writes to in each group; its name says whose it is. */
export const PROBE_MAP = 'atomix-operator-write-probe';
const DEFAULT_TIMEOUT_MS = 3_000;
/** Members tried in turn, the longest Ready first, before the group is called not writable (one member may just be restarting its REST API). */
const MEMBERS_TRIED = 2;
/** Keys per partition: with hashed keys, four per partition leave few partitions unwritten. */
const KEYS_PER_PARTITION = 4;
const MAX_KEYS = 64;

/** Writes through the Atomix REST API of the group's members, by pod IP. */
export class AtomixRestProber implements GroupProber {
  constructor(
    private readonly options: { timeoutMs?: number; fetch?: typeof fetch } = {},
  ) {}

  async probe(target: WriteProbeTarget): Promise<WriteProbeResult> {
    if (target.probe.protocol === undefined) return readinessVerdict(target, 'no REST primitive writes to a log group');
    const members = longestReadyFirst(target.through)
      .flatMap((member) => (member.pod.status?.podIP ? [{ name: member.name, ip: member.pod.status.podIP }] : []))
      .slice(0, MEMBERS_TRIED);
    if (members.length === 0) return { writable: false, reason: `no Ready member of ${target.group} with a pod IP to write through` };
    let reason = '';
    for (const member of members) {
      try {
        await this.writeThrough(member.ip, target.probe);
        return { writable: true };
      } catch (error) {
        reason = `a write through ${member.name} failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return { writable: false, reason };
  }

  private async writeThrough(ip: string, probe: WriteProbeSpec): Promise<void> {
    const base = `http://${ip}:${String(PORTS.http)}/v1/atomic-map/${PROBE_MAP}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    // The primitive's config is cached per node, not replicated, and lost when a member restarts:
    // sent before every probe, as the member written through may be one that just came back.
    await this.send(base, JSON.stringify({ protocol: { type: probe.protocol, group: probe.atomixGroup } }), 'application/json', signal);
    const keys = Math.min(probe.partitions * KEYS_PER_PARTITION, MAX_KEYS);
    const written = new Date().toISOString();
    await Promise.all(Array.from({ length: keys }, (_, key) => this.send(`${base}/${String(key)}`, written, 'text/plain', signal, 'PUT')));
  }

  private async send(url: string, body: string, contentType: string, signal: AbortSignal, method = 'POST'): Promise<void> {
    const response = await (this.options.fetch ?? fetch)(url, { method, body, headers: { 'content-type': contentType }, signal });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${new URL(url).pathname}: HTTP ${String(response.status)} ${text.slice(0, 200)}`);
  }
}

/**
 * A member that has just become Ready may still be registering its Raft servers (HTTP 500
 * NoRemoteHandler, or a write that hangs to the timeout): write through the others first. For a
 * Ready member, unreadySinceMs is when its Ready condition last turned, to True.
 */
function longestReadyFirst(members: readonly MemberView[]): MemberView[] {
  return [...members].sort((a, b) => a.unreadySinceMs - b.unreadySinceMs);
}

/**
 * For simulated pods, which run no Atomix: a group takes writes while a majority of its
 * members is Ready, as a Raft group would. The operator's integration tests (and `local`
 * with simulated pods) use it; real pods are always probed through Atomix.
 */
export const readinessProber: GroupProber = {
  probe: (target) => Promise.resolve(readinessVerdict(target, 'simulated pods run no Atomix')),
};

function readinessVerdict(target: WriteProbeTarget, why: string): WriteProbeResult {
  const ready = target.readyMembers;
  return ready > target.replicas / 2
    ? { writable: true }
    : { writable: false, reason: `${String(ready)} of ${String(target.replicas)} members Ready (${why}: judged by readiness)` };
}
