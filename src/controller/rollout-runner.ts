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
import { fullRestartStep, memberView, nextStep, progress, rolloutStatus, stuckStep, type GroupRolloutStatus, type GroupView, type MemberView } from './rollout.js';
import { FULL_RESTART, type UpdateStrategy } from '../api/update-strategy.js';
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
  /** How the roll under way replaces members: Progressing's reason. */
  readonly progressReason?: UpdateStrategy;
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
  /** Cluster key → when the full restart under way stopped its members (this process's memory: after a restart of the operator, the status only counts Ready members). */
  private readonly restarts = new Map<string, number>();

  constructor(private readonly deps: RolloutDeps) {
    this.health = new GroupHealth(deps.prober, deps.now);
  }

  forget(key: string): void {
    this.health.forget(key);
    this.restarts.delete(key);
  }

  async step(pass: Pass, plan: ClusterPlan, statefulSet: (name: string) => RolloutStatefulSet | undefined): Promise<RolloutReport> {
    const views = this.views(pass.cluster, plan, statefulSet);
    if (pass.cluster.spec.updateStrategy !== FULL_RESTART) {
      this.restarts.delete(pass.key);
      const health = await this.health.check(pass.key, views);
      return { ...(await this.rollout(pass, views)), writable: health };
    }
    // While a full restart waits for the groups to take writes again, they are asked at every recheck.
    const health = await this.health.check(pass.key, views, this.restarts.has(pass.key) ? ROLLOUT_RECHECK_MS : undefined);
    return { ...(await this.fullRestart(pass, views, health)), writable: health };
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

  private async fullRestart(pass: Pass, views: readonly GroupView[], writable: ReadonlyMap<string, WriteProbeResult>): Promise<Omit<RolloutReport, 'writable'>> {
    const groups = new Map(views.map((view) => [view.name, rolloutStatus(view)]));
    const report = { groups, progressReason: FULL_RESTART };
    const decided = fullRestartStep(views);
    switch (decided.kind) {
      case 'wait':
        return { ...report, progress: decided.message, problems: [], requeueAfterMs: ROLLOUT_RECHECK_MS };
      case 'stop':
        return { ...report, progress: await this.stopAll(pass, views, decided.members), problems: [], requeueAfterMs: ROLLOUT_RECHECK_MS };
      case 'idle':
        return { ...report, ...this.restartProgress(pass, views, writable) };
    }
  }

  /** Deletes every outdated member at once; their StatefulSets start them again from the new templates. */
  private async stopAll(pass: Pass, views: readonly GroupView[], members: readonly MemberView[]): Promise<string> {
    await Promise.all(members.map((member) => pass.write(() => this.deps.deletePod(member.pod))));
    const revisions = views.map((view) => `${view.name} ${view.updateRevision ?? '?'}`).join(', ');
    const stopping = `stopping ${members.length} members at once (${members.map((member) => member.name).join(', ')}) to start them together on their new templates (${revisions}), version ${pass.cluster.spec.version}`;
    if (!this.restarts.has(pass.key)) {
      this.restarts.set(pass.key, this.deps.now().getTime());
      this.deps.events.normal(pass.cluster, 'FullRestart', `spec.updateStrategy is ${FULL_RESTART}: ${stopping}; the cluster takes no writes until every member is back`);
    }
    return `full restart: ${stopping}; no writes until every member is back`;
  }

  /** After the stop: members coming back; done once all are Ready and every group took a write. */
  private restartProgress(pass: Pass, views: readonly GroupView[], writable: ReadonlyMap<string, WriteProbeResult>): Pick<RolloutReport, 'progress' | 'problems' | 'requeueAfterMs'> {
    const stoppedAtMs = this.restarts.get(pass.key);
    if (stoppedAtMs === undefined) return { problems: [] };
    const nowMs = this.deps.now().getTime();
    const total = views.reduce((sum, view) => sum + view.replicas, 0);
    const back = views.reduce((sum, view) => sum + view.members.filter((member) => member.ready && !member.terminating).length, 0);
    const notWritable = views.filter((view) => writable.get(view.name)?.writable !== true).map((view) => view.name);
    if (back === total && notWritable.length === 0) {
      this.restarts.delete(pass.key);
      const seconds = ((nowMs - stoppedAtMs) / 1000).toFixed(0);
      this.deps.events.normal(pass.cluster, 'FullRestartDone', `all ${total} members are back on their new templates and every group took a write, ${seconds} s after they were stopped`);
      return { problems: [] };
    }
    const stuckMember = stuckStep(views, nowMs, this.deps.stuckAfterMs);
    if (stuckMember) return { problems: [{ reason: 'RolloutStuck', message: `full restart: ${stuckMember.message}`, terminal: true }], requeueAfterMs: ROLLOUT_RECHECK_MS };
    const waiting = back < total ? `${back}/${total} members Ready on their new templates` : `every member Ready, waiting for ${notWritable.join(', ')} to take writes`;
    return { progress: `full restart: ${waiting}; no writes until every member is back`, problems: [], requeueAfterMs: ROLLOUT_RECHECK_MS };
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
