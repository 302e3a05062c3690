// Rules on the whole spec that depend on the Atomix version: what a release cannot run
// (versions.ts says why), refused at admission instead of leaving pods that never start.
import type { Rule, TransitionRule } from './rules.js';
import { celList } from './schema-kit.js';
import { FULL_RESTART, type UpdateStrategy } from './update-strategy.js';
import {
  acrossTheProbeChange,
  VERSIONS_THAT_NEED_A_PARTITION_GROUP,
  VERSIONS_WITH_THE_OLD_PROBE_REPLY,
  versionRange,
  type AtomixVersion,
} from './versions.js';

interface VersionedSpec {
  version: AtomixVersion;
  updateStrategy?: UpdateStrategy;
  partitionGroups?: unknown[];
  benchmark?: { image?: string };
}

export const versionRules: Rule<VersionedSpec>[] = [
  {
    cel: `!(self.version in ${celList(VERSIONS_THAT_NEED_A_PARTITION_GROUP)}) || (has(self.partitionGroups) && size(self.partitionGroups) > 0)`,
    message:
      `Atomix ${versionRange(VERSIONS_THAT_NEED_A_PARTITION_GROUP)} never finishes starting without a partition group ` +
      '(its nodes wait for one forever): add a partition group, or use version 3.1.6 or later',
    fieldPath: '.partitionGroups',
    holds: (spec) => !VERSIONS_THAT_NEED_A_PARTITION_GROUP.includes(spec.version) || (spec.partitionGroups ?? []).length > 0,
  },
  {
    cel: `!has(self.benchmark) || self.version in ${celList(VERSIONS_WITH_THE_OLD_PROBE_REPLY)} || has(self.benchmark.image)`,
    message:
      'the benchmark needs spec.benchmark.image on Atomix 3.1.6 or later: atomix/atomix-bench exists only as :latest, ' +
      `built on a 3.1.1 snapshot that cannot probe servers of 3.1.6 or later (their membership protocol changed); ` +
      `name an atomix-bench image built for this version, or use version ${versionRange(VERSIONS_WITH_THE_OLD_PROBE_REPLY)}`,
    fieldPath: '.benchmark',
    holds: (spec) => spec.benchmark === undefined || VERSIONS_WITH_THE_OLD_PROBE_REPLY.includes(spec.version) || spec.benchmark.image !== undefined,
  },
];

const celOldProbeReply = (self: string) => `(${self}.version in ${celList(VERSIONS_WITH_THE_OLD_PROBE_REPLY)})`;

/** The version changes a rolling update cannot make; the controller checks the same against what the members run. */
export const versionTransitionRules: TransitionRule<VersionedSpec>[] = [
  {
    cel: `self.version == oldSelf.version || ${celOldProbeReply('self')} == ${celOldProbeReply('oldSelf')} || (has(self.updateStrategy) && self.updateStrategy == '${FULL_RESTART}')`,
    message:
      `the version cannot change between ${versionRange(VERSIONS_WITH_THE_OLD_PROBE_REPLY)} and 3.1.6 or later (either way) in a rolling update: ` +
      '3.1.6 changed the reply of the membership protocol\'s probe (SWIM), so members on either side of that line cannot probe ' +
      `each other and a rolling update would mix them; set spec.updateStrategy: ${FULL_RESTART} in the same change to stop every ` +
      'member and start them all on the new version (data kept; no writes until every member is back: a member\'s restart time ' +
      'plus a few seconds; clients must move to the new side too), or restore the previous version',
    fieldPath: '.version',
    holds: (spec, old) => !acrossTheProbeChange(spec.version, old.version) || spec.updateStrategy === FULL_RESTART,
  },
];
