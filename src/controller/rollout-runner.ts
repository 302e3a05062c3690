// Carries out the rollout step of one pass (rollout.ts decides it): looks at the cluster's
// StatefulSets and pods, and at most once per pass deletes one outdated member, after the
// group has been found writable through its other members. Says in status what it waits for,
// and whether each group takes writes (group-health.ts).
import type { V1Pod } from '@kubernetes/client-node';
import type { AtomixCluster } from '../api/schema.js';
import type { ClusterPlan, GroupPlan, ServerGroupPlan } from '../render/index.js';
import type { GroupProber, WriteProbeResult } from './group-probe.js';
import { GroupHealth } from './group-health.js';
import type { Pass } from './pass.js';
import { memberView, nextStep, progress, rolloutStatus, type GroupRolloutStatus, type GroupView, type MemberView } from './rollout.js';
import type { Problem } from './status.js';

export interface RolloutDeps {
  /** The cached pods of a cluster (labelled `app=<cluster>` by the operator's templates). */
  readonly pods: (namespace: string, cluster: string) => readonly V1Pod[];
  /** Deletes exactly this pod (its uid is a precondition); its StatefulSet recreates it from the current template. */
  readonly deletePod: (pod: V1Pod) => Promise<void>;
  readonly prober: GroupProber;
  /** A replaced member not Ready within this time stops the roll (RolloutStuck). */
  readonly stuckAfterMs: number;
  readonly events: { normal(cluster: AtomixCluster, reason: string, message: string): void };
  readonly now: () => Date;
}

/** A StatefulSet as far as the rollout reads it. */
export interface RolloutStatefulSet {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number; updateRevision?: string };
}

export interface RolloutReport {
  /** Per group name. */
  readonly groups: ReadonlyMap<string, GroupRolloutStatus>;
  /** Set while a roll is under way: what it does or waits for (`raft: 1/3 updated, waiting for raft-1 to rejoin`). */
  readonly progress?: string;
  readonly problems: readonly Problem[];
  readonly requeueAfterMs?: number;
  /** Per group name: whether it took the last write probe. */
  readonly writable: ReadonlyMap<string, WriteProbeResult>;
}

/** While a roll waits, look again this often even without events (the stuck deadline). */
const ROLLOUT_RECHECK_MS = 5_000;
/** A group that did not take the gate's write is asked again this soon: no event says when it does, and the roll waits on it. */
const GATE_RECHECK_MS = 1_000;
export const DEFAULT_STUCK_AFTER_MS = 10 * 60_000;

export class RolloutRunner {
  private readonly health: GroupHealth;

  constructor(private readonly deps: RolloutDeps) {
    this.health = new GroupHealth(deps.prober, deps.now);
  }

  forget(key: string): void {
    this.health.forget(key);
  }

  async step(pass: Pass, plan: ClusterPlan, statefulSet: (name: string) => RolloutStatefulSet | undefined): Promise<RolloutReport> {
    const views = this.views(pass.cluster, plan, statefulSet);
    const health = await this.health.check(pass.key, views);
    const rollout = await this.rollout(pass, views);
    return { ...rollout, writable: health };
  }

  private views(cluster: AtomixCluster, plan: ClusterPlan, statefulSet: (name: string) => RolloutStatefulSet | undefined): GroupView[] {
    const pods = this.deps.pods(cluster.metadata.namespace ?? '', cluster.metadata.name);
    const servers = [plan.management, ...plan.partitions].filter((group): group is GroupPlan & { servers: ServerGroupPlan } => group.servers !== undefined);
    const statuses = [cluster.status?.managementGroup, ...(cluster.status?.partitionGroups ?? [])];
    return servers.map((group) => {
      const recorded = statuses.find((status) => status?.name === group.name);
      return {
        ...groupView(group.name, group.servers, statefulSet(group.servers.statefulSet), pods),
        ...(recorded ? { recorded: { currentRevision: recorded.currentRevision, updateRevision: recorded.updateRevision } } : {}),
      };
    });
  }

  private async rollout(pass: Pass, views: readonly GroupView[]): Promise<Omit<RolloutReport, 'writable'>> {
    const groups = new Map(views.map((view) => [view.name, rolloutStatus(view)]));
    const decided = nextStep(views, this.deps.now().getTime(), this.deps.stuckAfterMs);
    switch (decided.kind) {
      case 'idle':
        return { groups, problems: [] };
      case 'wait':
        return { groups, progress: decided.message, problems: [], requeueAfterMs: ROLLOUT_RECHECK_MS };
      case 'stuck':
        return { groups, problems: [{ reason: 'RolloutStuck', message: decided.message, terminal: true }], requeueAfterMs: ROLLOUT_RECHECK_MS };
      case 'replace': {
        const { progress, replaced } = await this.replace(pass, decided.group, decided.member, decided.peers);
        return { groups, progress, problems: [], requeueAfterMs: replaced ? ROLLOUT_RECHECK_MS : GATE_RECHECK_MS };
      }
    }
  }

  /**
   * The gate, then the deletion. A Ready member goes only when the group takes writes through its
   * peers (all Ready: nextStep saw to it); one that is not Ready gives nothing to the quorum, so
   * it goes without a probe that its own absence might fail. The health check of this pass may
   * just have written to the group with these very members Ready (it does whenever their number
   * changed: a replaced member is back): that write is the gate's, not one to repeat.
   */
  private async replace(pass: Pass, group: GroupView, member: MemberView, peers: readonly MemberView[]): Promise<{ progress: string; replaced: boolean }> {
    if (member.ready && peers.length > 0 && !this.health.tookWriteJustNow(pass.key, group.name)) {
      const verdict = await this.deps.prober.probe({ group: group.name, probe: group.writeProbe, replicas: group.replicas, readyMembers: peers.length + 1, through: peers });
      if (!verdict.writable) return { progress: `${progress(group)}, waiting for ${group.name} to take writes before replacing ${member.name}: ${verdict.reason}`, replaced: false };
    }
    await pass.write(() => this.deps.deletePod(member.pod));
    const note = `replaced ${member.name} (revision ${member.revision ?? '?'}, ${member.ready ? 'Ready' : 'not Ready'}): its StatefulSet recreates it on revision ${group.updateRevision ?? '?'}`;
    this.deps.events.normal(pass.cluster, 'MemberReplaced', note);
    return { progress: `${progress(group)}, replacing ${member.name}`, replaced: true };
  }
}

function groupView(name: string, plan: ServerGroupPlan, statefulSet: RolloutStatefulSet | undefined, pods: readonly V1Pod[]): GroupView {
  const observed = statefulSet?.status?.observedGeneration ?? -1;
  const current = statefulSet !== undefined && observed >= (statefulSet.metadata?.generation ?? 0);
  const members = pods
    .filter((pod) => Object.entries(plan.selector).every(([label, value]) => pod.metadata?.labels?.[label] === value))
    .map((pod) => memberView(pod, plan.statefulSet))
    // Members beyond the desired size are the StatefulSet controller's to remove.
    .filter((member): member is MemberView => member !== undefined && member.ordinal < plan.replicas);
  return {
    name,
    statefulSet: plan.statefulSet,
    replicas: plan.replicas,
    writeProbe: plan.writeProbe,
    updateRevision: current ? statefulSet.status?.updateRevision : undefined,
    members,
  };
}
