// Changes Atomix 3.1 cannot take in place, refused when the AtomixCluster is updated (CEL
// transition rules: `oldSelf` is the stored value; partitionGroups is a list-map keyed by name, so
// each group is compared with the stored group of the same name). Experiments on real Atomix
// 3.1.12 through the operator, a client writing, showed why (research findings §D; primary-backup: measured for this rule):
// - a Raft partition's member list is stored with its data and wins over the configuration, so a
//   resized raft group gets voters with no fault tolerance, and a resize during an outage ran two
//   leaders with divergent data; a shrunk group never became ready;
// - primary-backup partitions are re-elected over the new member list and the new members hold no
//   copy: growing 2 -> 3 members lost 6 of 30 acknowledged keys, shrinking 3 -> 2 lost 2 of 40;
// - keys are spread over partitions by hash, so after a change of `partitions` keys that hash to
//   other partitions are invisible (19 of 50 keys of a primary-backup group after 7 -> 9), and new
//   writes create second copies.
// The safe path is always a new group under a new name, and migrating the data.
import type { TransitionRule } from './rules.js';
import { compareQuantities, parseQuantity } from '../kube/quantity.js';
import { partitionsOf } from './defaults.js';
import { protocolsOf } from './protocols.js';

const NEW_GROUP = 'add a partition group with a new name and the new shape, and migrate the data to it';

interface GroupShape {
  size: number;
  partitions?: number;
  raft?: unknown;
  log?: unknown;
  primaryBackup?: unknown;
}

const celPartitions = (self: string) => `(has(${self}.partitions) ? ${self}.partitions : ${self}.size)`;

export const partitionGroupTransitionRules: TransitionRule<GroupShape>[] = [
  {
    cel: 'has(self.raft) == has(oldSelf.raft) && has(self.log) == has(oldSelf.log) && has(self.primaryBackup) == has(oldSelf.primaryBackup)',
    message: `the protocol of an existing partition group cannot change: its nodes and clients keep the data and primitives of the old protocol; ${NEW_GROUP}`,
    holds: (self, old) => protocolsOf(self).join() === protocolsOf(old).join(),
  },
  {
    cel: 'self.size == oldSelf.size',
    message:
      'the size of an existing partition group cannot change: Atomix 3.1 raft and log partitions keep their stored member list, so ' +
      'new members become voters with no fault tolerance and a resize during an outage split a group into two leaders with divergent ' +
      `data; primary-backup partitions move to members that hold no copy and lose acknowledged writes; ${NEW_GROUP}`,
    fieldPath: '.size',
    holds: (self, old) => self.size === old.size,
  },
  {
    cel: `${celPartitions('self')} == ${celPartitions('oldSelf')}`,
    message:
      'the partitions of an existing partition group cannot change (when unset they follow size): keys are spread over partitions ' +
      `by hash, so keys stored before become invisible and new writes create second copies; ${NEW_GROUP}`,
    fieldPath: '.partitions',
    holds: (self, old) => partitionsOf(self) === partitionsOf(old),
  },
];

export const raftTransitionRules: TransitionRule<{ partitionSize: number }>[] = [
  {
    cel: 'self.partitionSize == oldSelf.partitionSize',
    message:
      'the partitionSize of an existing raft group cannot change: each partition keeps its stored member list, so members would be ' +
      `added to or dropped from partitions without consensus; ${NEW_GROUP}`,
    fieldPath: '.partitionSize',
    holds: (self, old) => self.partitionSize === old.partitionSize,
  },
];

export const managementGroupTransitionRules: TransitionRule<{ size: number }>[] = [
  {
    // has(): the API server also checks the rules against the schema default {}, which has no size yet.
    cel: '!has(self.size) || !has(oldSelf.size) || self.size == oldSelf.size',
    message:
      'the size of the management group cannot change: its Raft members are stored with its data, so new members become voters with ' +
      'no fault tolerance and a shrunk group never becomes ready; create a new AtomixCluster with the size you need and migrate the data',
    fieldPath: '.size',
    holds: (self, old) => self.size === old.size,
  },
];

interface StorageShape {
  size: string;
  className?: string;
}

function notSmaller(size: string, oldSize: string): boolean {
  const next = parseQuantity(size);
  const previous = parseQuantity(oldSize);
  return next === undefined || previous === undefined || compareQuantities(next, previous) >= 0;
}

export const storageTransitionRules: TransitionRule<StorageShape>[] = [
  {
    cel: '!has(self.size) || !has(oldSelf.size) || !isQuantity(self.size) || !isQuantity(oldSelf.size) || quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0',
    message:
      'storage size can only grow: a volume cannot shrink (the operator grows the existing volumes in place when the size grows); ' +
      'restore the previous size, or add a partition group with a new name and migrate the data',
    fieldPath: '.size',
    holds: (self, old) => notSmaller(self.size, old.size),
  },
  {
    cel: 'has(self.className) == has(oldSelf.className) && (!has(self.className) || self.className == oldSelf.className)',
    message:
      'storage className cannot change: existing volumes keep their StorageClass (a StatefulSet\'s volume claims are immutable); ' +
      'restore the previous className, or add a partition group with a new name and migrate the data',
    fieldPath: '.className',
    holds: (self, old) => self.className === old.className,
  },
];
