// Rules on the whole spec that depend on the Atomix version: what a release cannot run
// (versions.ts says why), refused at admission instead of leaving pods that never start.
import type { Rule } from './rules.js';
import { celList } from './schema-kit.js';
import { VERSIONS_THAT_NEED_A_PARTITION_GROUP, VERSIONS_THE_BENCH_IMAGE_CAN_JOIN, versionRange, type AtomixVersion } from './versions.js';

interface VersionedSpec {
  version: AtomixVersion;
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
    cel: `!has(self.benchmark) || self.version in ${celList(VERSIONS_THE_BENCH_IMAGE_CAN_JOIN)} || has(self.benchmark.image)`,
    message:
      'the benchmark needs spec.benchmark.image on Atomix 3.1.6 or later: atomix/atomix-bench exists only as :latest, ' +
      `built on a 3.1.1 snapshot that cannot probe servers of 3.1.6 or later (their membership protocol changed); ` +
      `name an atomix-bench image built for this version, or use version ${versionRange(VERSIONS_THE_BENCH_IMAGE_CAN_JOIN)}`,
    fieldPath: '.benchmark',
    holds: (spec) => spec.benchmark === undefined || VERSIONS_THE_BENCH_IMAGE_CAN_JOIN.includes(spec.version) || spec.benchmark.image !== undefined,
  },
];
