// Atomix 3.1 configuration (atomix.conf) as typed objects. Atomix rejects unknown
// keys, so these types list exactly the keys Atomix 3.1 reads. The file is written
// as JSON, which is valid HOCON: values are quoted by the serializer, never pasted
// into a template.
import type { LogSpec, MemberGroupStrategy, RaftSpec, StorageSpec } from '../api/schema.js';

interface DnsDiscovery {
  type: 'dns';
  service: string;
}

interface ClusterConfig {
  clusterId: string;
  discovery: DnsDiscovery;
}

interface StorageConfig {
  level: string;
  segmentSize: string;
  maxEntrySize: string;
  flushOnCommit: boolean;
}

export interface RaftGroupConfig {
  type: 'raft';
  partitions: number;
  partitionSize?: number;
  members: string[];
  storage: StorageConfig;
  compaction?: { dynamic: boolean; freeDiskBuffer: number; freeMemoryBuffer: number };
}

interface PrimaryBackupGroupConfig {
  type: 'primary-backup';
  partitions: number;
  memberGroupStrategy: MemberGroupStrategy;
}

interface LogGroupConfig {
  type: 'log';
  partitions: number;
  memberGroupStrategy: MemberGroupStrategy;
  storage: StorageConfig;
  compaction: { size: string; age?: string };
}

export type PartitionGroupConfig = RaftGroupConfig | PrimaryBackupGroupConfig | LogGroupConfig;

export interface AtomixConfig {
  cluster: ClusterConfig;
  managementGroup?: RaftGroupConfig;
  partitionGroups?: Record<string, PartitionGroupConfig>;
}

export function clusterConfig(clusterId: string, discoveryService: string): ClusterConfig {
  return { clusterId, discovery: { type: 'dns', service: discoveryService } };
}

function storageConfig(storage: StorageSpec): StorageConfig {
  return {
    level: storage.level,
    segmentSize: storage.segmentSize,
    maxEntrySize: storage.entrySize,
    flushOnCommit: storage.flushOnCommit,
  };
}

/** Atomix's management group: a single-partition Raft group on the management nodes. */
export function managementGroupConfig(members: string[], storage: StorageSpec): RaftGroupConfig {
  return { type: 'raft', partitions: 1, members, storage: storageConfig(storage) };
}

export function raftGroupConfig(raft: RaftSpec, partitions: number, members: string[]): RaftGroupConfig {
  return {
    type: 'raft',
    partitions,
    // A partition cannot have more members than the group has nodes.
    partitionSize: Math.min(raft.partitionSize, members.length),
    members,
    storage: storageConfig(raft.storage),
    compaction: { ...raft.compaction },
  };
}

export function primaryBackupGroupConfig(partitions: number, memberGroupStrategy: MemberGroupStrategy): PrimaryBackupGroupConfig {
  return { type: 'primary-backup', partitions, memberGroupStrategy };
}

export function logGroupConfig(log: LogSpec, partitions: number): LogGroupConfig {
  return {
    type: 'log',
    partitions,
    memberGroupStrategy: log.memberGroupStrategy,
    storage: storageConfig(log.storage),
    // In this key order whatever the stored order (the config hash is over the text); JSON leaves out an undefined age.
    compaction: { size: log.compaction.size, age: log.compaction.age },
  };
}

export function toHocon(config: AtomixConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
