// Changes of a stored AtomixCluster, as the spec before and after: the unit tests check that
// `validateClusterUpdate` refuses each refused one at its field, the integration tests that the
// real API server (CEL transition rules) refuses it with the same message, and that both accept
// the accepted ones.
import type { AtomixCluster } from '../../src/api/schema.js';
import { mergePatch, readManifest } from './manifests.js';

type Spec = AtomixCluster['spec'];
type Group = NonNullable<Spec['partitionGroups']>[number];

export interface ChangeCase {
  readonly name: string;
  /** The seed patch the stored cluster is made of (the README example when absent). */
  readonly seed?: string;
  /** The new spec, from a copy of the stored one. */
  readonly change: (spec: Spec) => void;
}

export interface RefusedChange extends ChangeCase {
  /** The field path the refusal names. */
  readonly field: string;
}

/** The README example, with a seed patch applied: a manifest as a user writes it (no defaults). */
export function seedManifest(seed?: string): AtomixCluster {
  const example = readManifest('deploy/crds/atomixcluster_cr.yaml');
  return (seed ? mergePatch(example, readManifest(`deploy/crds/${seed}`)) : example) as AtomixCluster;
}

/** The stored spec after the change: what `kubectl edit` would send. */
export function changedSpec(stored: Spec, change: ChangeCase['change']): Spec {
  const spec = structuredClone(stored);
  change(spec);
  return spec;
}

const group = (spec: Spec, name: string): Group => {
  const found = spec.partitionGroups?.find((g) => g.name === name);
  if (!found) throw new Error(`no partition group ${name}`);
  return found;
};

/** The raft settings of a raft group (defaulted: the stored spec has them all). */
const raftOf = (spec: Spec, name: string) => {
  const { raft } = group(spec, name);
  if (!raft) throw new Error(`partition group ${name} is not a raft group`);
  return raft;
};

/** The log settings of a log group (defaulted). */
const logOf = (spec: Spec, name: string) => {
  const { log } = group(spec, name);
  if (!log) throw new Error(`partition group ${name} is not a log group`);
  return log;
};

const PB = 'atomixcluster_cr_primary_backup.yaml';
const LOG = 'atomixcluster_cr_log.yaml';

export const REFUSED_CHANGES: readonly RefusedChange[] = [
  { name: 'raft size 3 -> 5', change: (s) => (group(s, 'raft').size = 5), field: 'spec.partitionGroups[0].size' },
  { name: 'raft size 3 -> 1', change: (s) => (group(s, 'raft').size = 1), field: 'spec.partitionGroups[0].size' },
  { name: 'raft partitions 3 -> 5', change: (s) => (group(s, 'raft').partitions = 5), field: 'spec.partitionGroups[0].partitions' },
  { name: 'raft partitionSize 3 -> 5', change: (s) => (raftOf(s, 'raft').partitionSize = 5), field: 'spec.partitionGroups[0].raft.partitionSize' },
  { name: 'management size 1 -> 3', change: (s) => (s.managementGroup.size = 3), field: 'spec.managementGroup.size' },
  { name: 'log size 3 -> 4', seed: LOG, change: (s) => (group(s, 'log').size = 4), field: 'spec.partitionGroups[1].size' },
  { name: 'log partitions 3 -> 6', seed: LOG, change: (s) => (group(s, 'log').partitions = 6), field: 'spec.partitionGroups[1].partitions' },
  { name: 'primary-backup size 2 -> 3', seed: PB, change: (s) => (group(s, 'primary-backup').size = 3), field: 'spec.partitionGroups[1].size' },
  { name: 'primary-backup partitions 7 -> 9', seed: PB, change: (s) => (group(s, 'primary-backup').partitions = 9), field: 'spec.partitionGroups[1].partitions' },
  {
    name: 'raft protocol replaced by log under the same name',
    change: (s) => {
      const raft = group(s, 'raft');
      raft.log = { storage: raftOf(s, 'raft').storage } as Group['log'];
      delete raft.raft;
    },
    field: 'spec.partitionGroups[0]',
  },
  {
    name: 'a raft group\'s storage className changed',
    change: (s) => (raftOf(s, 'raft').storage.className = 'standard'),
    field: 'spec.partitionGroups[0].raft.storage.className',
  },
  {
    name: 'the management group\'s storage className removed',
    change: (s) => delete s.managementGroup.storage.className,
    field: 'spec.managementGroup.storage.className',
  },
  { name: 'raft storage 2G -> 1G', change: (s) => (raftOf(s, 'raft').storage.size = '1G'), field: 'spec.partitionGroups[0].raft.storage.size' },
  { name: 'log storage 2G -> 1.5Gi', seed: LOG, change: (s) => (logOf(s, 'log').storage.size = '1.5Gi'), field: 'spec.partitionGroups[1].log.storage.size' },
  { name: 'version 3.1.0 -> 3.1.6, rolling (across the membership protocol change)', change: (s) => (s.version = '3.1.6'), field: 'spec.version' },
];

export const ACCEPTED_CHANGES: readonly ChangeCase[] = [
  { name: 'raft storage 2G -> 4Gi', change: (s) => (raftOf(s, 'raft').storage.size = '4Gi') },
  { name: 'management storage 2G -> 2Gi (larger, in other units)', change: (s) => (s.managementGroup.storage.size = '2Gi') },
  { name: 'raft partitions unset where they equal size', change: (s) => delete group(s, 'raft').partitions },
  { name: 'env and resources of a group', change: (s) => Object.assign(group(s, 'raft'), { env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }], resources: { limits: { memory: '1Gi' } } }) },
  { name: 'the groups listed in another order', seed: PB, change: (s) => s.partitionGroups?.reverse() },
  { name: 'a group removed', seed: PB, change: (s) => (s.partitionGroups = s.partitionGroups?.filter((g) => g.name === 'raft')) },
  { name: 'a group added', change: (s) => s.partitionGroups?.push({ name: 'consensus', size: 5, raft: { partitionSize: 5 } } as Group) },
  { name: 'version 3.1.0 -> 3.1.5 (the same side of the membership protocol change)', change: (s) => (s.version = '3.1.5') },
  { name: 'version 3.1.0 -> 3.1.12 with updateStrategy FullRestart', change: (s) => Object.assign(s, { version: '3.1.12', updateStrategy: 'FullRestart' }) },
  { name: 'primary-backup memberGroupStrategy', seed: PB, change: (s) => (group(s, 'primary-backup').primaryBackup = { memberGroupStrategy: 'host-aware' }) },
];
