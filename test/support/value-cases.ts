// Values the API server rewrites or refuses, as AtomixCluster spec patches: the unit tests check
// that `render` (validateCluster) rejects each with its field path, the integration tests that
// the real API server rejects it with the same message, or stores the accepted ones.

export interface RejectedValue {
  readonly name: string;
  readonly spec: object;
  /** The field path the error must name. */
  readonly field: string;
  /** A schema error (not a CEL rule), which the API server words its own way. */
  readonly schemaError?: true;
}

const resources = (resources: object) => ({ managementGroup: { resources } });
const storage = (size: string) => ({ managementGroup: { storage: { size } } });
const managementStorage = (storage: object) => ({ managementGroup: { storage } });
const raftStorage = (storage: object) => ({ partitionGroups: [{ name: 'raft', raft: { storage } }] });
const raftCompaction = (compaction: object) => ({ partitionGroups: [{ name: 'raft', raft: { compaction } }] });

/**
 * The extreme values Atomix accepts and starts with, next to the rejected ones above: accepted by
 * render and the API server.
 */
export const BOUNDARY_STORAGE = {
  smallest: { segmentSize: '1K', entrySize: '1K', level: 'disk' },
  largestDisk: { segmentSize: '2147483647', entrySize: '1073741815', level: 'disk' },
  largestMapped: { segmentSize: '2147483647', entrySize: '2147483647', level: 'mapped' },
} as const;
export const BOUNDARY_COMPACTION = { smallest: { freeDiskBuffer: 0.0001, freeMemoryBuffer: 0.0001 }, largest: { freeDiskBuffer: 0.9999, freeMemoryBuffer: 0.9999 } } as const;

export const REJECTED_VALUES: readonly RejectedValue[] = [
  { name: 'cpu -1', spec: resources({ requests: { cpu: '-1' } }), field: 'spec.managementGroup.resources.requests[cpu]' },
  { name: 'cpu 0', spec: resources({ limits: { cpu: 0 } }), field: 'spec.managementGroup.resources.limits[cpu]' },
  { name: 'cpu above 10k cores', spec: resources({ limits: { cpu: '20000' } }), field: 'spec.managementGroup.resources.limits' },
  { name: 'memory 1e1000', spec: resources({ limits: { memory: '1e1000' } }), field: 'spec.managementGroup.resources.limits[memory]' },
  {
    name: 'requests above limits',
    spec: resources({ requests: { memory: '2Gi' }, limits: { memory: '1Gi' } }),
    field: 'spec.managementGroup.resources.requests',
  },
  { name: 'resource name "foo bar"', spec: resources({ requests: { 'foo bar': '1' } }), field: 'spec.managementGroup.resources.requests' },
  { name: 'resource name without domain', spec: resources({ limits: { gpu: '1' } }), field: 'spec.managementGroup.resources.limits' },
  { name: 'storage 0', spec: storage('0'), field: 'spec.managementGroup.storage.size' },
  { name: 'storage -1Gi', spec: storage('-1Gi'), field: 'spec.managementGroup.storage.size' },
  { name: 'storage 1e101', spec: storage('1e101'), field: 'spec.managementGroup.storage.size' },
  {
    name: 'storage of a partition group 0',
    spec: { partitionGroups: [{ name: 'raft', raft: { storage: { size: '0Gi' } } }] },
    field: 'spec.partitionGroups[0].raft.storage.size',
  },
  { name: 'version latest', spec: { version: 'latest' }, field: 'spec.version', schemaError: true },
  { name: 'version 3.1.13', spec: { version: '3.1.13' }, field: 'spec.version', schemaError: true },
  { name: 'version with a trailing -', spec: { version: '3.1.0-' }, field: 'spec.version', schemaError: true },
  { name: 'image with a space', spec: { image: 'atomix/atomix 3.1.0' }, field: 'spec.image', schemaError: true },
  { name: 'imagePullPolicy Sometimes', spec: { imagePullPolicy: 'Sometimes' }, field: 'spec.imagePullPolicy', schemaError: true },
  { name: 'no partition group on 3.1.5', spec: { version: '3.1.5', partitionGroups: null }, field: 'spec.partitionGroups' },
  { name: 'an empty partition group list on 3.1.0', spec: { partitionGroups: [] }, field: 'spec.partitionGroups' },
  { name: 'the benchmark on 3.1.6 without a bench image', spec: { version: '3.1.6', benchmark: { size: 1 } }, field: 'spec.benchmark' },
  { name: 'segmentSize 2G (2 GiB)', spec: managementStorage({ segmentSize: '2G' }), field: 'spec.managementGroup.storage.segmentSize' },
  {
    name: 'segmentSize 4 GiB + 1 KiB (an int cast would make it 1 KiB)',
    spec: managementStorage({ segmentSize: '4294968320' }),
    field: 'spec.managementGroup.storage.segmentSize',
  },
  { name: 'entrySize 1023 bytes', spec: managementStorage({ entrySize: '1023' }), field: 'spec.managementGroup.storage.entrySize' },
  { name: 'entrySize 2GiB', spec: managementStorage({ entrySize: '2GiB', level: 'mapped' }), field: 'spec.managementGroup.storage.entrySize' },
  {
    name: 'entrySize above segmentSize (1K > 1000 bytes)',
    spec: managementStorage({ entrySize: '1K', segmentSize: '1kB' }),
    field: 'spec.managementGroup.storage.entrySize',
  },
  {
    name: 'entrySize 1 GiB - 8 bytes with level disk',
    spec: raftStorage({ entrySize: '1073741816', segmentSize: '2047M', level: 'disk' }),
    field: 'spec.partitionGroups[0].raft.storage.entrySize',
  },
  { name: 'log segmentSize 2048M', spec: { partitionGroups: [{ name: 'log', log: { storage: { segmentSize: '2048M' } } }] }, field: 'spec.partitionGroups[0].log.storage.segmentSize' },
  { name: 'freeDiskBuffer 0', spec: raftCompaction({ freeDiskBuffer: 0 }), field: 'spec.partitionGroups[0].raft.compaction.freeDiskBuffer' },
  { name: 'freeMemoryBuffer 1', spec: raftCompaction({ freeMemoryBuffer: 1 }), field: 'spec.partitionGroups[0].raft.compaction.freeMemoryBuffer' },
  { name: 'freeDiskBuffer -0.5', spec: raftCompaction({ freeDiskBuffer: -0.5 }), field: 'spec.partitionGroups[0].raft.compaction.freeDiskBuffer' },
];

/** Accepted although the API server rewrites them when it stores the StatefulSet (canonical form); pods can run with them. */
export const NON_CANONICAL_RESOURCES = {
  requests: { cpu: '0.0000000001', memory: '1e3', 'ephemeral-storage': '1.5Gi' },
  limits: { cpu: '0.5', memory: '1073741824', 'ephemeral-storage': 2e9 },
};

/** Resource names Kubernetes accepts beyond cpu and memory. */
export const EXTENDED_RESOURCES = {
  requests: { 'example.com/gpu': 1 },
  limits: { 'example.com/gpu': '1', 'hugepages-2Mi': '2Mi' },
};
