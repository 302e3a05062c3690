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
  { name: 'version of 64 characters', spec: { version: `3.${'1'.repeat(62)}` }, field: 'spec.version', schemaError: true },
  { name: 'version with a leading _', spec: { version: '_3.1.0' }, field: 'spec.version' },
  { name: 'version with a trailing -', spec: { version: '3.1.0-' }, field: 'spec.version' },
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
