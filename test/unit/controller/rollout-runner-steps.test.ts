// The runner's side of a roll for the README example (management 1, raft 3): which pods make a
// group's members, what it reports while a roll waits or is stuck, and a full restart from the
// stop of every outdated member to every group taking writes again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { RolloutRunner, type RolloutStatefulSet } from '../../../src/controller/rollout-runner.js';
import { startPass } from '../../../src/controller/pass.js';
import { planCluster } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const OLD = 'r1';
const NEW = 'r2';
const STUCK_AFTER_MS = 60_000;
const KEY = 'default/example-atomixcluster';
const MANAGEMENT = 'example-atomixcluster-management';
const RAFT = 'example-atomixcluster-raft';

const rolling = exampleCluster();
const restarting: AtomixCluster = { ...rolling, spec: { ...rolling.spec, updateStrategy: 'FullRestart' } };
const plan = planCluster(rolling);
const selector = (statefulSet: string) => {
  const group = [plan.management, ...plan.partitions].find((g) => g.servers?.statefulSet === statefulSet);
  return group?.servers?.selector ?? assert.fail(`no group runs ${statefulSet}`);
};

interface PodSpec {
  readonly revision?: string;
  readonly ready?: boolean;
  readonly terminating?: boolean;
  /** Since when its Ready condition has its status, ms before now. */
  readonly forMs?: number;
}

/** A member pod of `statefulSet`, ordinal `ordinal`. */
function pod(statefulSet: string, ordinal: number, spec: PodSpec = {}, nowMs = 0): V1Pod {
  const since = new Date(nowMs - (spec.forMs ?? 0)).toISOString() as unknown as Date;
  return {
    metadata: {
      name: `${statefulSet}-${String(ordinal)}`,
      uid: `${statefulSet}-${String(ordinal)}`,
      labels: { ...selector(statefulSet), 'controller-revision-hash': spec.revision ?? NEW },
      ...(spec.terminating ? { deletionTimestamp: since } : {}),
    },
    status: { podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: (spec.ready ?? true) ? 'True' : 'False', lastTransitionTime: since }] },
  };
}

/** Both StatefulSets observed at generation 1 on the update revision `NEW` (or as given). */
const observedAt = (revision: string | undefined = NEW, observedGeneration = 1): ((name: string) => RolloutStatefulSet) =>
  () => ({ metadata: { generation: 1 }, status: { observedGeneration, ...(revision ? { updateRevision: revision } : {}) } });

/** A runner over `pods` (which deletions remove), recording deletions and Events; the clock is `nowMs`. */
function runner(initial: V1Pod[], writable = true) {
  const state = { pods: initial, nowMs: 0 };
  const deleted: string[] = [];
  const events: string[] = [];
  const probes: string[] = [];
  const rollouts = new RolloutRunner({
    pods: () => state.pods,
    deletePod: async (victim) => {
      deleted.push(victim.metadata?.name ?? '');
      state.pods = state.pods.filter((p) => p !== victim);
    },
    prober: { probe: async (target) => (probes.push(target.group), writable ? { writable: true } : { writable: false, reason: 'no quorum' }) },
    stuckAfterMs: STUCK_AFTER_MS,
    events: { normal: (_cluster, reason, message) => events.push(`${reason}: ${message}`) },
    now: () => new Date(state.nowMs),
  });
  const step = (cluster: AtomixCluster = rolling, statefulSet: (name: string) => RolloutStatefulSet | undefined = observedAt()) => rollouts.step(startPass(KEY, cluster, async () => false), plan, statefulSet);
  return { state, deleted, events, probes, step, rollouts };
}

const allOn = (revision: string, ready = true) => [pod(MANAGEMENT, 0, { revision, ready }), ...[0, 1, 2].map((o) => pod(RAFT, o, { revision, ready }))];

describe('the members of a group', () => {
  test('are its pods by the group’s labels, within its size', async () => {
    const stray = pod(RAFT, 3, { revision: OLD });
    const otherGroup = pod(RAFT, 1, { revision: OLD });
    otherGroup.metadata = { name: `${RAFT}-1`, labels: { app: 'other', 'controller-revision-hash': OLD } };
    const { step, deleted } = runner([...allOn(NEW), stray, otherGroup]);
    const report = await step();
    assert.deepEqual(deleted, [], 'neither the member beyond the size nor a pod of another group is replaced');
    assert.deepEqual(report.groups.get('raft'), { currentRevision: NEW, updateRevision: NEW });
  });

  test('are on no update revision until the StatefulSet controller has observed the template', async () => {
    const { step, deleted } = runner(allOn(OLD));
    const report = await step(rolling, observedAt(NEW, 0));
    assert.deepEqual(deleted, []);
    assert.deepEqual(report.groups.get('raft'), {});
  });

  test('are on no update revision without a StatefulSet', async () => {
    const { step, deleted } = runner(allOn(OLD));
    const report = await step(rolling, () => undefined);
    assert.deepEqual(deleted, []);
    assert.equal(report.progress, undefined);
  });

  test('keep the revisions the status recorded while the controller catches up', async () => {
    const recorded: AtomixCluster = {
      ...rolling,
      status: { managementGroup: { name: 'management', replicas: 1, readyReplicas: 1, currentRevision: OLD, updateRevision: NEW }, partitionGroups: [{ name: 'raft', replicas: 3, readyReplicas: 3, currentRevision: OLD, updateRevision: NEW }] },
    };
    const { step } = runner(allOn(OLD));
    const report = await step(recorded, observedAt(undefined));
    assert.deepEqual(report.groups.get('management'), { currentRevision: OLD, updateRevision: NEW });
    assert.deepEqual(report.groups.get('raft'), { currentRevision: OLD, updateRevision: NEW });
  });
});

describe('a rolling update', () => {
  test('replaces one outdated member, says so, and looks again in 5 s', async () => {
    const { step, deleted, events } = runner([pod(MANAGEMENT, 0, { revision: OLD }), ...[0, 1, 2].map((o) => pod(RAFT, o))]);
    const report = await step();
    assert.deepEqual(deleted, [`${MANAGEMENT}-0`]);
    assert.equal(report.progress, `management: 0/1 updated, replacing ${MANAGEMENT}-0`);
    assert.equal(report.requeueAfterMs, 5_000);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(events, [`MemberReplaced: replaced ${MANAGEMENT}-0 (revision ${OLD}, Ready): its StatefulSet recreates it on revision ${NEW}`]);
  });

  test('an outdated member that is not Ready is said to be so', async () => {
    const { step, events } = runner([pod(MANAGEMENT, 0, { revision: OLD, ready: false }), ...[0, 1, 2].map((o) => pod(RAFT, o))]);
    await step();
    assert.deepEqual(events, [`MemberReplaced: replaced ${MANAGEMENT}-0 (revision ${OLD}, not Ready): its StatefulSet recreates it on revision ${NEW}`]);
  });

  test('waits for a replaced member to rejoin, looking again in 5 s', async () => {
    const { step, deleted } = runner([pod(MANAGEMENT, 0), pod(RAFT, 0, { revision: OLD }), pod(RAFT, 1, { revision: OLD }), pod(RAFT, 2, { ready: false, forMs: 1_000 })]);
    const report = await step();
    assert.deepEqual(deleted, []);
    assert.equal(report.progress, `raft: 1/3 updated, waiting for ${RAFT}-2 to rejoin`);
    assert.equal(report.requeueAfterMs, 5_000);
    assert.deepEqual(report.problems, []);
  });

  test('a member not back within the deadline stops the roll (terminal), looked at again in 5 s', async () => {
    const { step, deleted, state } = runner([]);
    state.nowMs = 1_000_000;
    state.pods = [pod(MANAGEMENT, 0, {}, state.nowMs), pod(RAFT, 0, { revision: OLD }, state.nowMs), pod(RAFT, 1, { revision: OLD }, state.nowMs), pod(RAFT, 2, { ready: false, forMs: STUCK_AFTER_MS + 1 }, state.nowMs)];
    const report = await step();
    assert.deepEqual(deleted, []);
    assert.equal(report.problems.length, 1);
    assert.equal(report.problems[0]?.reason, 'RolloutStuck');
    assert.equal(report.problems[0].terminal, true);
    assert.match(report.problems[0].message, /^raft: 1\/3 updated: example-atomixcluster-raft-2 has not been Ready on revision r2 for 60 s/);
    assert.equal(report.requeueAfterMs, 5_000);
  });

  test('nothing outdated: idle, no progress, no recheck', async () => {
    const { step } = runner(allOn(NEW));
    const report = await step();
    assert.deepEqual({ progress: report.progress, requeue: report.requeueAfterMs, problems: report.problems }, { progress: undefined, requeue: undefined, problems: [] });
    assert.deepEqual(report.writable, new Map([['management', { writable: true }], ['raft', { writable: true }]]));
  });
});

describe('a full restart', () => {
  test('stops every outdated member at once, says so once, and waits for them', async () => {
    const { step, deleted, events, state } = runner(allOn(OLD));
    const report = await step(restarting);
    assert.deepEqual(deleted, [`${MANAGEMENT}-0`, `${RAFT}-0`, `${RAFT}-1`, `${RAFT}-2`]);
    const stopping = `stopping 4 members at once (${MANAGEMENT}-0, ${RAFT}-0, ${RAFT}-1, ${RAFT}-2) to start them together on their new templates (management ${NEW}, raft ${NEW}), version ${rolling.spec.version}`;
    assert.deepEqual(events, [`FullRestart: spec.updateStrategy is FullRestart: ${stopping}; the cluster takes no writes until every member is back`]);
    assert.equal(report.progress, `full restart: ${stopping}; no writes until every member is back`);
    assert.equal(report.progressReason, 'FullRestart');
    assert.equal(report.requeueAfterMs, 5_000);
    // Members already terminating are not stopped again; an interrupted stop goes on, without a second Event.
    state.pods = [pod(MANAGEMENT, 0, { revision: OLD, terminating: true }), pod(RAFT, 0, { revision: OLD })];
    deleted.length = 0;
    await step(restarting);
    assert.deepEqual(deleted, [`${RAFT}-0`]);
    assert.equal(events.length, 1);
  });

  test('waits until every StatefulSet has observed its template before stopping anything', async () => {
    const { step, deleted } = runner(allOn(OLD));
    const report = await step(restarting, (name) => (name === RAFT ? { metadata: { generation: 2 }, status: { observedGeneration: 1, updateRevision: NEW } } : observedAt()(name)));
    assert.deepEqual(deleted, []);
    assert.equal(report.progress, `full restart: waiting for StatefulSet ${RAFT} to take its new template before stopping any member`);
    assert.equal(report.requeueAfterMs, 5_000);
    assert.equal(report.progressReason, 'FullRestart');
  });

  test('counts the members back, then waits for every group to take writes, then is done', async () => {
    const { step, events, state } = runner(allOn(OLD));
    await step(restarting);
    state.nowMs = 40_000;
    state.pods = [pod(MANAGEMENT, 0, {}, state.nowMs), pod(RAFT, 0, {}, state.nowMs), pod(RAFT, 1, { ready: false }, state.nowMs)];
    const coming = await step(restarting);
    assert.equal(coming.progress, 'full restart: 2/4 members Ready on their new templates; no writes until every member is back');
    assert.equal(coming.requeueAfterMs, 5_000);
    state.nowMs = 45_000;
    state.pods = allOn(NEW);
    const done = await step(restarting);
    assert.deepEqual({ progress: done.progress, problems: done.problems, requeue: done.requeueAfterMs }, { progress: undefined, problems: [], requeue: undefined });
    assert.equal(events.at(-1), 'FullRestartDone: all 4 members are back on their new templates and every group took a write, 45 s after they were stopped');
    const after = await step(restarting);
    assert.equal(after.progress, undefined, 'once done, nothing more is said');
    assert.equal(events.length, 2);
  });

  test('every member back but a group not writable: waits for it, probing it at each recheck', async () => {
    const { step, probes, state } = runner(allOn(OLD), false);
    await step(restarting);
    state.pods = allOn(NEW);
    const report = await step(restarting);
    assert.equal(report.progress, 'full restart: every member Ready, waiting for management, raft to take writes; no writes until every member is back');
    const before = probes.length;
    state.nowMs += 5_000;
    await step(restarting);
    assert.equal(probes.length, before + 2, 'both groups asked again 5 s later, their Ready members unchanged');
  });

  test('a member not back within the deadline stops it', async () => {
    const { step, state } = runner(allOn(OLD));
    await step(restarting);
    state.nowMs = 1_000_000;
    state.pods = [pod(MANAGEMENT, 0, {}, state.nowMs), ...[0, 1].map((o) => pod(RAFT, o, {}, state.nowMs)), pod(RAFT, 2, { ready: false, forMs: STUCK_AFTER_MS + 1 }, state.nowMs)];
    const report = await step(restarting);
    assert.equal(report.problems[0]?.reason, 'RolloutStuck');
    assert.match(report.problems[0].message, /^full restart: raft: 3\/3 updated: example-atomixcluster-raft-2 has not been Ready/);
    assert.equal(report.requeueAfterMs, 5_000);
  });

  test('after an operator restart (no stop remembered) nothing is reported for members coming back', async () => {
    const { step } = runner([pod(MANAGEMENT, 0, { ready: false })]);
    const report = await step(restarting);
    assert.deepEqual({ progress: report.progress, problems: report.problems, requeue: report.requeueAfterMs }, { progress: undefined, problems: [], requeue: undefined });
  });

  test('a switch back to rolling updates forgets the restart', async () => {
    const { step, events, state } = runner(allOn(OLD));
    await step(restarting);
    state.pods = allOn(NEW);
    await step(rolling);
    await step(restarting);
    assert.deepEqual(events.map((e) => e.split(':')[0]), ['FullRestart'], 'no FullRestartDone: the restart was forgotten');
  });

  test('forget drops the restart of one cluster', async () => {
    const { step, events, state, rollouts } = runner(allOn(OLD));
    await step(restarting);
    rollouts.forget(KEY);
    state.pods = allOn(NEW);
    await step(restarting);
    assert.equal(events.length, 1);
  });
});
