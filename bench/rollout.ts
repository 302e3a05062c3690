// How long a rollout of the README example takes through the operator on real pods, against what
// it cannot beat: its members restarted one at a time, back to back. In one run: the example on
// --from (default 3.1.0) with a client node writing a counter; one Raft member deleted and timed
// until its replacement is Ready (one member's restart-to-ready); then spec.version set to --to
// (default 3.1.5, the same SWIM wire format) and timed until every member runs the new revision
// and is Ready, sampled every second. Prints figures, asserts nothing; among them the operator's
// share: the time from the spec change to the first member going down, and between one replaced
// member being back (Ready) and the next going down (the gates).
//   npm run bench:rollout [-- --from 3.1.0 --to 3.1.5]
import { names } from '../src/api/names.js';
import type { AtomixCluster } from '../src/api/schema.js';
import { exampleCluster, mergePatch } from '../test/support/manifests.js';
import { startClientWriter } from '../test/atomix/client-writer.js';
import { membersByGroup, type Outage } from '../test/atomix/readiness-sampler.js';
import { startRealCluster } from '../test/atomix/real-cluster.js';
import { finishWrites, restartMember, rollout } from '../test/atomix/rollout-harness.js';
import { benchOptions, machineLine, printTable, runBenchmark, say, seconds, type Row } from './support.js';

const TARGET_RATIO = 1.5;

/** Members' outages in order, and what separates them: from the roll's start to the first, then from each one's end to the next one's start. */
function operatorGaps(outages: readonly Outage[]): { pod: string; beforeMs: number; downMs: number }[] {
  let previousEnd = 0;
  return [...outages].sort((a, b) => a.fromMs - b.fromMs).map((outage) => {
    const gap = { pod: outage.pod, beforeMs: outage.fromMs - previousEnd, downMs: (outage.toMs ?? outage.fromMs) - outage.fromMs };
    previousEnd = outage.toMs ?? outage.fromMs;
    return gap;
  });
}

await runBenchmark(async (cleanup) => {
  const options = benchOptions({ from: '3.1.0', to: '3.1.5' });
  const spec = mergePatch(exampleCluster(), { spec: { version: options.from } }) as AtomixCluster;
  const name = spec.metadata.name;
  const members = [...membersByGroup(spec).values()].flat();
  const raftMember = names.podName(names.groupStatefulSet(name, 'raft'), 0);

  say('starting a control plane with real pods and the operator ...');
  const real = await startRealCluster({ log: (line) => say(`  ${line}`) });
  cleanup.add(() => real.stop());
  const { cluster } = real;
  await cluster.apply(spec);
  await cluster.waitUntilReady(name);
  say(`README example Ready on ${options.from}; starting the client node ...`);
  const writer = await startClientWriter(cluster, name, options.from);
  await writer.waitForMore(20);

  say(`deleting ${raftMember} to time one member's restart-to-ready ...`);
  const restartMs = await restartMember(cluster, raftMember);
  await cluster.waitUntilReady(name);
  await writer.waitForMore(20);

  say(`spec.version ${options.from} -> ${options.to} ...`);
  const { durationMs, observation } = await rollout(cluster, spec, { spec: { version: options.to } });
  const outcome = await finishWrites(cluster, writer, raftMember);

  const serial = members.length * restartMs;
  const ratio = durationMs / serial;
  const maxDown = [...observation.maxDown].map(([group, down]) => `${group} ${down}`).join(', ');
  const gaps = operatorGaps(observation.outages);
  const operatorMs = gaps.reduce((total, gap) => total + gap.beforeMs, 0);
  const rows: Row[] = [
    { figure: `rollout ${options.from} -> ${options.to}, spec change -> all members updated and Ready`, value: seconds(durationMs) },
    { figure: `one member's restart-to-ready (delete ${raftMember} -> replacement Ready)`, value: seconds(restartMs) },
    { figure: `members x restart-to-ready (${members.length} x)`, value: seconds(serial) },
    { figure: 'ratio rollout / (members x restart-to-ready)', value: ratio.toFixed(2), target: `<= ${TARGET_RATIO}`, met: ratio <= TARGET_RATIO },
    { figure: 'spec change / member back -> next member down, summed (the operator\'s gates; 1 s samples)', value: seconds(operatorMs) },
    ...gaps.map((gap) => ({ figure: `  ${gap.pod}: down after ${seconds(gap.beforeMs)}, for`, value: seconds(gap.downMs) })),
    { figure: 'max members down per group (1 s samples)', value: `${maxDown} (${observation.samples} samples, longest gap ${seconds(observation.longestGapMs)})` },
    { figure: 'groups rolled, in order', value: observation.rollOrder.join(' -> ') },
    { figure: 'groups down in the same sample', value: observation.groupsDownTogether.length === 0 ? 'never' : JSON.stringify(observation.groupsDownTogether) },
    { figure: 'writes through the client node: acknowledged / failed', value: `${outcome.writes.acknowledged} / ${outcome.writes.failed.length}`, target: '0 failed', met: outcome.writes.failed.length === 0 },
    ...outcome.writes.failed.slice(0, 3).map((failure) => ({ figure: `  failed write, ${seconds(failure.atMs)} after the writer started`, value: `${failure.status === 0 ? 'no answer' : `HTTP ${failure.status}`}: ${failure.message}` })),
    { figure: 'longest single write', value: seconds(outcome.writes.longestWriteMs) },
    { figure: 'counter (linearizable: client node / raft member)', value: `${outcome.counter} / ${outcome.counterViaServer}`, target: '== acknowledged', met: outcome.counter === outcome.writes.acknowledged && outcome.counterViaServer === outcome.counter },
  ];
  printTable(`Rollout of the README example on real pods (${machineLine()})`, rows);
});
