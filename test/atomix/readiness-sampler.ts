// Watches a rollout from the outside, as a user with kubectl would: every second it lists the
// cluster's pods through the API and counts, per group, the members that are not serving — pod
// missing, terminating, or not Ready. It also notes when each member was replaced (a new pod uid)
// and when it was down, so a test can check "never more than one member of a group down", "the
// management group rolled alone" and the order in which groups rolled.
import type { V1Pod } from '@kubernetes/client-node';
import { names } from '../../src/api/names.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { sleep } from '../../src/local/readiness.js';
import type { RealCluster } from './real-cluster.js';

export const MANAGEMENT_GROUP = 'management';

/** Each group of a cluster with the pods it must have: the management group and every partition group. */
export function membersByGroup(cluster: AtomixCluster): Map<string, string[]> {
  const name = cluster.metadata.name;
  const podsOf = (statefulSet: string, size: number) => Array.from({ length: size }, (_, ordinal) => names.podName(statefulSet, ordinal));
  return new Map([
    [MANAGEMENT_GROUP, podsOf(names.managementStatefulSet(name), cluster.spec.managementGroup.size)],
    ...(cluster.spec.partitionGroups ?? []).map((group): [string, string[]] => [group.name, podsOf(names.groupStatefulSet(name, group.name), group.size)]),
  ]);
}

export interface Outage {
  pod: string;
  fromMs: number;
  /** The first sample that saw the member serving again; undefined if it never did. */
  toMs?: number;
}

export interface RolloutObservation {
  samples: number;
  /** The longest time between two samples (the API answers slowly under load). */
  longestGapMs: number;
  /** Per group, the most members down in one sample. */
  maxDown: Map<string, number>;
  /** Sets of two or more groups seen with members down in the same sample. */
  groupsDownTogether: string[][];
  /** Groups in the order their first member was replaced. */
  rollOrder: string[];
  /** Per pod, when it was replaced (first sample with a new uid). */
  replacedAtMs: Map<string, number>;
  outages: Outage[];
}

export class ReadinessSampler {
  private readonly initialUids = new Map<string, string>();
  private readonly replacedAtMs = new Map<string, number>();
  private readonly maxDown = new Map<string, number>();
  private readonly together = new Set<string>();
  private readonly open = new Map<string, Outage>();
  private readonly outages: Outage[] = [];
  private samples = 0;
  private downInLastSample: readonly string[] = [];
  private longestGapMs = 0;
  private running = true;
  private readonly loop: Promise<void>;
  private readonly startedAt = performance.now();

  constructor(
    private readonly cluster: RealCluster,
    private readonly members: Map<string, string[]>,
    private readonly intervalMs = 1000,
  ) {
    for (const group of members.keys()) this.maxDown.set(group, 0);
    this.loop = this.sampleUntilStopped();
  }

  async stop(): Promise<RolloutObservation> {
    this.running = false;
    await this.loop;
    const replaced = [...this.replacedAtMs].sort(([, a], [, b]) => a - b).map(([pod]) => this.groupOf(pod));
    return {
      samples: this.samples,
      longestGapMs: this.longestGapMs,
      maxDown: new Map(this.maxDown),
      groupsDownTogether: [...this.together].map((key) => key.split(',')),
      rollOrder: [...new Set(replaced)],
      replacedAtMs: new Map(this.replacedAtMs),
      outages: [...this.outages, ...this.open.values()].sort((a, b) => a.fromMs - b.fromMs),
    };
  }

  /** Members down in the latest sample, and which members were replaced so far: for acting mid-roll. */
  get now(): { down: readonly string[]; replaced: readonly string[] } {
    return { down: this.downInLastSample, replaced: [...this.replacedAtMs.keys()] };
  }

  private groupOf(pod: string): string {
    return [...this.members].find(([, pods]) => pods.includes(pod))?.[0] ?? '';
  }

  private async sampleUntilStopped(): Promise<void> {
    let previous = performance.now();
    while (this.running) {
      try {
        this.record(await this.cluster.pods(), performance.now() - this.startedAt);
      } catch {
        // The API did not answer this time; the gap shows in longestGapMs.
      }
      const now = performance.now();
      this.longestGapMs = Math.max(this.longestGapMs, now - previous);
      previous = now;
      await sleep(Math.max(0, this.intervalMs - (performance.now() - now)));
    }
  }

  private record(pods: V1Pod[], atMs: number): void {
    this.samples++;
    const byName = new Map(pods.map((pod) => [pod.metadata?.name ?? '', pod]));
    const groupsDown: string[] = [];
    const allDown: string[] = [];
    for (const [group, members] of this.members) {
      const down = members.filter((member) => !serving(byName.get(member)));
      allDown.push(...down);
      this.maxDown.set(group, Math.max(this.maxDown.get(group) ?? 0, down.length));
      if (down.length > 0) groupsDown.push(group);
      for (const member of members) this.track(member, byName.get(member), down.includes(member), atMs);
    }
    if (groupsDown.length > 1) this.together.add(groupsDown.join(','));
    this.downInLastSample = allDown;
  }

  private track(member: string, pod: V1Pod | undefined, down: boolean, atMs: number): void {
    const uid = pod?.metadata?.uid;
    if (uid !== undefined) {
      const initial = this.initialUids.get(member);
      if (initial === undefined) this.initialUids.set(member, uid);
      else if (initial !== uid && !this.replacedAtMs.has(member)) this.replacedAtMs.set(member, atMs);
    }
    const outage = this.open.get(member);
    if (down && !outage) this.open.set(member, { pod: member, fromMs: atMs });
    if (!down && outage) {
      this.open.delete(member);
      this.outages.push({ ...outage, toMs: atMs });
    }
  }
}

/** A member serves when its pod exists, is not being deleted, and is Ready. */
export function serving(pod: V1Pod | undefined): boolean {
  if (!pod || pod.metadata?.deletionTimestamp) return false;
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}
