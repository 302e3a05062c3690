// Which member to replace next, if any: the decision of an operator-driven, quorum-gated
// rollout (etcd-druid's DEP-07 with the rules Atomix 3.1 needs, real-atomix-findings.md §D).
// StatefulSets of Atomix members use OnDelete: the StatefulSet controller recreates a deleted
// pod from the current template, and deciding when to delete which pod is this module's job.
// Pure: views of the StatefulSets and pods in, one step out; rollout-runner.ts carries it out.
//
// The rules:
// - a member is outdated when its pod's revision label differs from its StatefulSet's update
//   revision (seen only once the StatefulSet controller has observed the current template);
// - one member of the whole cluster at a time: nothing is deleted while any member of another
//   group is not Ready, so the management group rolls alone, and before the data groups (it
//   comes first in the list);
// - within a group, members that are not Ready go first (they do not count for quorum), then
//   the others from the highest ordinal down;
// - before a deletion every other member of the group is Ready (the runner then asks whether
//   the group takes writes); a replaced member must be Ready on the new revision before the
//   next one goes, and one that is not Ready within the deadline stops the roll (RolloutStuck);
// - the roll is over only once every member runs the update revision AND is Ready: the group's
//   status keeps the previous currentRevision until then, so the last replaced member is watched
//   like the others (also by an operator restarted meanwhile, which reads it back from status).
import type { V1Pod } from '@kubernetes/client-node';
import { REVISION_LABEL } from '../api/placement.js';
import type { WriteProbeSpec } from '../render/index.js';

export interface MemberView {
  readonly name: string;
  readonly ordinal: number;
  readonly revision: string | undefined;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** Since when it has not been Ready: the Ready condition's last transition, or the pod's creation. */
  readonly unreadySinceMs: number;
  /** The container's state in words, for RolloutStuck ("waiting: CrashLoopBackOff: ..."). */
  readonly state: string;
  readonly pod: V1Pod;
}

export interface GroupView {
  /** The group's name in status: `management` or the partition group's name. */
  readonly name: string;
  readonly statefulSet: string;
  readonly replicas: number;
  readonly writeProbe: WriteProbeSpec;
  /** Undefined until the StatefulSet controller has observed the StatefulSet's current template. */
  readonly updateRevision: string | undefined;
  /** What the cluster's status last recorded for the group: a roll is unfinished while its currentRevision differs from updateRevision. */
  readonly recorded?: GroupRolloutStatus;
  readonly members: readonly MemberView[];
}

export type RolloutStep =
  /** Nothing to replace. */
  | { readonly kind: 'idle' }
  /** A roll is under way and waits for a member or a controller; the next pod or StatefulSet event moves it on. */
  | { readonly kind: 'wait'; readonly group: string; readonly message: string }
  /** A replaced member did not become Ready in time: the roll stops until the spec changes. */
  | { readonly kind: 'stuck'; readonly group: string; readonly member: MemberView; readonly message: string }
  /** Delete `member` once the group (through `peers`, all Ready) is found writable. */
  | { readonly kind: 'replace'; readonly group: GroupView; readonly member: MemberView; readonly peers: readonly MemberView[] };

/** Empty until the group's StatefulSet controller has first observed its template. */
export interface GroupRolloutStatus {
  /** The revision the not-yet-replaced members run; the update revision once all run it and are Ready. */
  readonly currentRevision?: string;
  readonly updateRevision?: string;
}

const isOutdated = (group: GroupView, member: MemberView) =>
  group.updateRevision !== undefined && member.revision !== group.updateRevision;

/**
 * `groups` in rollout order: the management group first. Outdated members that are not Ready go
 * first, from any group: they do not count for quorum, so replacing one takes nothing from any
 * group, and waiting for them to turn Ready on their old revision could wait forever.
 */
export function nextStep(groups: readonly GroupView[], nowMs: number, stuckAfterMs: number): RolloutStep {
  const rolling = nextToReplace(groups);
  if (!rolling) {
    const last = groups.map((group) => ({ group, absent: finishing(group) })).find((candidate) => candidate.absent !== undefined);
    return last ? (stuckStep(groups, nowMs, stuckAfterMs) ?? wait(last.group, `waiting for ${last.absent ?? ''} to rejoin`)) : { kind: 'idle' };
  }
  const stopped = stuckStep(groups, nowMs, stuckAfterMs);
  if (stopped) return stopped;
  const { group: target, member } = rolling;
  // One replacement in flight at a time, cluster-wide: a replaced member must be back and Ready.
  for (const other of groups) {
    if (other === target) continue;
    const absent = inFlight(other)[0];
    if (absent !== undefined) return wait(target, `waiting for ${absent} of ${other.name} to be Ready first`);
  }
  const absent = inFlight(target)[0];
  if (absent !== undefined) return wait(target, `waiting for ${absent} to rejoin`);
  return { kind: 'replace', group: target, member, peers: target.members.filter((m) => m !== member) };
}

/** The first outdated member that is not Ready, in group order; else the next outdated member of the first group that has one. */
function nextToReplace(groups: readonly GroupView[]): { group: GroupView; member: MemberView } | undefined {
  const outdated = groups.map((group) => ({ group, members: group.members.filter((m) => isOutdated(group, m)).sort(replacementOrder) }));
  const notReady = outdated.find(({ members }) => members[0] !== undefined && !members[0].ready);
  const first = notReady ?? outdated.find(({ members }) => members.length > 0);
  const member = first?.members[0];
  return first && member ? { group: first.group, member } : undefined;
}

/** Every member runs the update revision, but the last one replaced has not been Ready since: the roll's last step. */
function finishing(group: GroupView): string | undefined {
  const recorded = group.recorded?.currentRevision;
  if (group.updateRevision === undefined || recorded === undefined || recorded === group.updateRevision) return undefined;
  if (group.members.some((member) => isOutdated(group, member))) return undefined;
  return inFlight(group)[0];
}

/** While a roll is under way: the first member on the update revision not Ready for longer than the deadline. */
export function stuckStep(groups: readonly GroupView[], nowMs: number, stuckAfterMs: number): (RolloutStep & { kind: 'stuck' }) | undefined {
  for (const group of groups) {
    const rejoining = group.members.find((m) => !isOutdated(group, m) && !m.terminating && !m.ready);
    if (rejoining && nowMs - rejoining.unreadySinceMs > stuckAfterMs) return stuck(group, rejoining, stuckAfterMs);
  }
  return undefined;
}

export type FullRestartStep =
  /** No member is outdated. */
  | { readonly kind: 'idle' }
  /** A StatefulSet controller has not observed its new template yet: stopping now would start old pods again. */
  | { readonly kind: 'wait'; readonly message: string }
  /** Stop these members, every outdated member of the cluster, at once. */
  | { readonly kind: 'stop'; readonly members: readonly MemberView[] };

/**
 * The full restart (spec.updateStrategy FullRestart): every outdated member of every group is
 * deleted at once, and each StatefulSet recreates its pods from the new template, so no old
 * member ever runs beside a new one once the old ones are gone (what a change of version across
 * 3.1.5 -> 3.1.6 needs: the two sides cannot probe each other). Nothing is stopped until every
 * group's StatefulSet has observed its template: a pod recreated from an outdated template
 * would be old again. Level-based: after an interrupted pass the remaining ones are stopped.
 */
export function fullRestartStep(groups: readonly GroupView[]): FullRestartStep {
  const outdated = groups.flatMap((group) => group.members.filter((member) => isOutdated(group, member) && !member.terminating));
  const behind = groups.find((group) => group.updateRevision === undefined && group.members.length > 0);
  if (behind) return { kind: 'wait', message: `full restart: waiting for StatefulSet ${behind.statefulSet} to take its new template before stopping any member` };
  return outdated.length === 0 ? { kind: 'idle' } : { kind: 'stop', members: outdated };
}

/**
 * A member on the update revision that has not been Ready for longer than the deadline while
 * a roll is under way (members outdated, or the last one replaced not yet Ready): the step in
 * progress, stuck. Reverting the spec makes it outdated again, and it is replaced.
 */
function stuck(group: GroupView, member: MemberView, stuckAfterMs: number): RolloutStep & { kind: 'stuck' } {
  const message = `${progress(group)}: ${member.name} has not been Ready on revision ${group.updateRevision ?? '?'} for ${Math.round(stuckAfterMs / 1000)} s (${member.state}); the roll stops here. Fix or revert the spec: a member on an outdated revision is replaced, Ready or not`;
  return { kind: 'stuck', group: group.name, member, message };
}

function wait(group: GroupView, what: string): RolloutStep {
  return { kind: 'wait', group: group.name, message: `${progress(group)}, ${what}` };
}

/** `raft: 1/3 updated` */
export function progress(group: GroupView): string {
  const updated = group.members.filter((member) => !isOutdated(group, member)).length;
  return `${group.name}: ${String(group.updateRevision === undefined ? 0 : updated)}/${String(group.replicas)} updated`;
}

/**
 * Members being replaced: missing, terminating, or on the update revision and not Ready yet. An
 * outdated member that is not Ready is not in flight: it is the next to go (see nextToReplace).
 */
function inFlight(group: GroupView): string[] {
  const present = new Map(group.members.map((member) => [member.ordinal, member]));
  const absent: string[] = [];
  for (let ordinal = 0; ordinal < group.replicas; ordinal++) {
    const member = present.get(ordinal);
    if (!member || member.terminating || (!member.ready && !isOutdated(group, member))) absent.push(member?.name ?? `${group.statefulSet}-${String(ordinal)}`);
  }
  return absent;
}

/** Not Ready first (they do not count for quorum), then the highest ordinal first, as the StatefulSet controller would. */
function replacementOrder(a: MemberView, b: MemberView): number {
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  return b.ordinal - a.ordinal;
}

/**
 * The update revision becomes current once every member runs it and is Ready; a new group's first
 * pods are no roll. While the StatefulSet controller has not observed the template (a roll just
 * begun), the recorded revisions stay: dropping them would end the roll in status.
 */
export function rolloutStatus(group: GroupView): GroupRolloutStatus {
  if (group.updateRevision === undefined) return group.recorded ?? {};
  const outdated = group.members.filter((member) => isOutdated(group, member)).sort((a, b) => a.ordinal - b.ordinal);
  const unfinished = finishing(group) === undefined ? undefined : group.recorded?.currentRevision;
  return {
    currentRevision: outdated[0]?.revision ?? unfinished ?? group.updateRevision,
    updateRevision: group.updateRevision,
  };
}

/** What the rollout needs to know about one of the StatefulSet's pods. */
export function memberView(pod: V1Pod, statefulSet: string): MemberView | undefined {
  const name = pod.metadata?.name ?? '';
  const ordinal = Number(name.slice(statefulSet.length + 1));
  if (!name.startsWith(`${statefulSet}-`) || !Number.isInteger(ordinal) || ordinal < 0) return undefined;
  const readyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name,
    ordinal,
    revision: pod.metadata?.labels?.[REVISION_LABEL],
    ready: readyCondition?.status === 'True',
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    unreadySinceMs: timeOf(readyCondition?.lastTransitionTime) ?? timeOf(pod.metadata?.creationTimestamp) ?? 0,
    state: containerState(pod),
    pod,
  };
}

/** Timestamps arrive as strings from JSON, although client-node types them as Date. */
function timeOf(value: Date | string | undefined): number | undefined {
  const ms = value === undefined ? NaN : Date.parse(String(value));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The Atomix container's current state, and how its last run ended. */
function containerState(pod: V1Pod): string {
  const container = pod.status?.containerStatuses?.[0];
  if (!container) return `pod ${pod.status?.phase ?? 'Pending'}${pod.status?.message ? `: ${pod.status.message}` : ''}`;
  const { state, lastState } = container;
  const now = state?.waiting
    ? `waiting: ${state.waiting.reason ?? ''}${state.waiting.message ? `: ${state.waiting.message}` : ''}`
    : state?.terminated
      ? `terminated: ${state.terminated.reason ?? ''} (exit code ${String(state.terminated.exitCode)})`
      : 'running, not ready';
  const last = lastState?.terminated ? `; last run ended ${lastState.terminated.reason ?? ''} (exit code ${String(lastState.terminated.exitCode)})` : '';
  return `${now}${last}; restarts ${String(container.restartCount)}`;
}
