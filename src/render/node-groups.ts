// A cluster is a set of node groups: the management group, each partition group
// and, with a benchmark, the bench workers and coordinator. Each becomes one
// StatefulSet with its ConfigMap; this module decides everything that differs
// between them, so the object builders handle every group the same way.
import type { AtomixCluster, EnvVarSpec, PartitionGroupSpec, ResourcesSpec, StorageSpec } from '../api/schema.js';
import { partitionsOf } from '../api/defaults.js';
import { names, serviceFqdn } from '../api/names.js';
import {
  clusterConfig,
  logGroupConfig,
  managementGroupConfig,
  primaryBackupGroupConfig,
  raftGroupConfig,
  toHocon,
  type AtomixConfig,
  type PartitionGroupConfig,
} from './atomix-config.js';
import type { GroupIdentity } from './labels.js';
import type { PodPlacementSpec } from '../api/placement.js';
import { imageUserOf, type AtomixVersion } from '../api/versions.js';
import { heapEnv, type StartScript } from './jvm.js';
import type { PullPolicy } from '../api/image-fields.js';

export interface RenderOptions {
  /** The cluster's DNS domain, part of every pod address and of the discovery service name. */
  readonly clusterDomain: string;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { clusterDomain: 'cluster.local' };

export const ATOMIX_IMAGE = 'atomix/atomix';
/** atomix-bench was never released with version tags. */
export const BENCH_IMAGE = 'atomix/atomix-bench:latest';
/** The images' ENTRYPOINTs (atomix/atomix's dist/Dockerfile, atomix-bench's Dockerfile). */
const ATOMIX_ENTRYPOINT = './bin/atomix-agent';
const BENCH_ENTRYPOINT = './bin/atomix-bench';

export interface NodeGroup {
  readonly id: GroupIdentity;
  readonly statefulSet: string;
  readonly configMap: string;
  /** Headless Service that gives the pods their DNS names (the StatefulSet's serviceName). */
  readonly governingService: string;
  readonly replicas: number;
  readonly image: string;
  /** The image's ENTRYPOINT, relative to its working directory. */
  readonly entrypoint: string;
  /** Leading arguments before the node's flags (atomix-bench needs its `agent` subcommand). */
  readonly command: readonly string[];
  readonly atomixConfig: string;
  readonly env: readonly EnvVarSpec[];
  readonly resources?: ResourcesSpec;
  /** A PersistentVolumeClaim per pod for persistent protocols; emptyDir otherwise. */
  readonly storage?: StorageSpec;
  /** Where the pods run and the labels and annotations they carry, as the user gave them. */
  readonly placement: PodPlacementSpec;
  /** The uid the image runs as; 0: root. */
  readonly imageUser: number;
}

/** An Atomix server group (the management group or a partition group), as opposed to benchmark clients: budgeted and probed. */
export interface ServerGroup extends NodeGroup {
  /** Pods the group may lose at once without losing its quorum: its disruption budget. */
  readonly maxUnavailable: number;
  /** How the operator asks the group whether it takes writes. */
  readonly writeProbe: WriteProbeSpec;
}

/** The Atomix partition group behind a node group, and the primitive protocol that writes to it. */
export interface WriteProbeSpec {
  /** Atomix's name of the group: `system` for the management group. */
  readonly atomixGroup: string;
  /** Undefined for log groups: Atomix 3.1's REST API has no primitive on a log group. */
  readonly protocol: 'multi-raft' | 'multi-primary' | undefined;
  readonly partitions: number;
}

/** Atomix names the management group `system`, whatever the operator calls it. */
const MANAGEMENT_GROUP_NAME = 'system';

export interface ClusterContext {
  readonly cluster: string;
  readonly namespace: string;
  readonly version: AtomixVersion;
  /** spec.image, or the release's atomix/atomix image. */
  readonly atomixImage: string;
  readonly imagePullPolicy: PullPolicy;
  readonly imagePullSecrets?: readonly { name: string }[];
  readonly options: RenderOptions;
}

export function contextOf(cluster: AtomixCluster, options: RenderOptions): ClusterContext {
  return {
    cluster: cluster.metadata.name,
    namespace: cluster.metadata.namespace ?? 'default',
    version: cluster.spec.version,
    atomixImage: cluster.spec.image ?? `${ATOMIX_IMAGE}:${cluster.spec.version}`,
    imagePullPolicy: cluster.spec.imagePullPolicy,
    imagePullSecrets: cluster.spec.imagePullSecrets,
    options,
  };
}

function discoveryServiceFqdn(ctx: ClusterContext): string {
  return serviceFqdn(names.discoveryService(ctx.cluster), ctx.namespace, ctx.options.clusterDomain);
}

const memberIds = (statefulSet: string, size: number) =>
  Array.from({ length: size }, (_, ordinal) => names.podName(statefulSet, ordinal));

/** A Raft partition stays available while a majority of its members is up (at least 1, so a one-node group never blocks a drain). */
const raftTolerance = (members: number) => Math.max(1, Math.floor((members - 1) / 2));

/**
 * Pods of a group that may be down at once. Raft partitions of partitionSize members are spread
 * over the group's nodes, so any set of nodes down may all be members of one partition: the
 * budget is that of one partition (5 nodes with partitionSize 3 tolerate 1, not 2).
 */
function groupTolerance(spec: PartitionGroupSpec): number {
  if (spec.primaryBackup) return 1;
  if (spec.raft) return raftTolerance(Math.min(spec.raft.partitionSize, spec.size));
  return raftTolerance(spec.size);
}

/** The user's variables, then the heap from the group's memory unless they set JAVA_OPTS. */
function nodeEnv(script: StartScript, spec: { readonly env?: readonly EnvVarSpec[]; readonly resources?: ResourcesSpec }): EnvVarSpec[] {
  const env = spec.env ?? [];
  return [...env, ...heapEnv(script, env, spec.resources)];
}

function atomixConfig(ctx: ClusterContext, groups: Partial<Omit<AtomixConfig, 'cluster'>>): string {
  return toHocon({ cluster: clusterConfig(ctx.cluster, discoveryServiceFqdn(ctx)), ...groups });
}

export function managementGroup(ctx: ClusterContext, spec: AtomixCluster['spec']['managementGroup']): ServerGroup {
  const statefulSet = names.managementStatefulSet(ctx.cluster);
  return {
    id: { cluster: ctx.cluster, role: 'management' },
    statefulSet,
    configMap: names.managementConfigMap(ctx.cluster),
    governingService: names.discoveryService(ctx.cluster),
    replicas: spec.size,
    image: ctx.atomixImage,
    entrypoint: ATOMIX_ENTRYPOINT,
    command: [],
    atomixConfig: atomixConfig(ctx, { managementGroup: managementGroupConfig(memberIds(statefulSet, spec.size), spec.storage) }),
    env: nodeEnv(ctx.version, spec),
    resources: spec.resources,
    storage: spec.storage,
    maxUnavailable: raftTolerance(spec.size),
    placement: spec,
    imageUser: imageUserOf(ctx.version),
    writeProbe: { atomixGroup: MANAGEMENT_GROUP_NAME, protocol: 'multi-raft', partitions: 1 },
  };
}

export function partitionGroup(ctx: ClusterContext, spec: PartitionGroupSpec): ServerGroup {
  const statefulSet = names.groupStatefulSet(ctx.cluster, spec.name);
  const protocol = protocolOf(spec, memberIds(statefulSet, spec.size));
  return {
    id: { cluster: ctx.cluster, role: 'group', group: spec.name },
    statefulSet,
    configMap: names.groupConfigMap(ctx.cluster, spec.name),
    governingService: names.discoveryService(ctx.cluster),
    replicas: spec.size,
    image: ctx.atomixImage,
    entrypoint: ATOMIX_ENTRYPOINT,
    command: [],
    atomixConfig: atomixConfig(ctx, { partitionGroups: { [spec.name]: protocol.config } }),
    env: nodeEnv(ctx.version, spec),
    resources: spec.resources,
    storage: protocol.storage,
    maxUnavailable: groupTolerance(spec),
    placement: spec,
    imageUser: imageUserOf(ctx.version),
    writeProbe: { atomixGroup: spec.name, protocol: PRIMITIVE_PROTOCOL[protocol.config.type], partitions: partitionsOf(spec) },
  };
}

const PRIMITIVE_PROTOCOL = { raft: 'multi-raft', 'primary-backup': 'multi-primary', log: undefined } as const;

function protocolOf(spec: PartitionGroupSpec, members: string[]): { config: PartitionGroupConfig; storage?: StorageSpec } {
  const partitions = partitionsOf(spec);
  if (spec.raft) return { config: raftGroupConfig(spec.raft, partitions, members), storage: spec.raft.storage };
  if (spec.log) return { config: logGroupConfig(spec.log, partitions), storage: spec.log.storage };
  if (spec.primaryBackup) return { config: primaryBackupGroupConfig(partitions, spec.primaryBackup.memberGroupStrategy) };
  // The schema requires exactly one protocol; reaching this means the input skipped validation.
  throw new Error(`partition group ${spec.name} has no protocol (raft, primaryBackup or log)`);
}

/** Benchmark nodes are Atomix clients: they join through discovery and configure no group. */
export function benchmarkGroups(ctx: ClusterContext, spec: NonNullable<AtomixCluster['spec']['benchmark']>): NodeGroup[] {
  const common = {
    governingService: names.benchService(ctx.cluster),
    configMap: names.benchConfigMap(ctx.cluster),
    image: spec.image ?? BENCH_IMAGE,
    entrypoint: BENCH_ENTRYPOINT,
    command: ['agent'],
    atomixConfig: atomixConfig(ctx, {}),
    env: nodeEnv('atomix-bench', spec),
    resources: spec.resources,
    placement: spec,
    // atomix-bench:latest runs as root, whatever the cluster's version.
    imageUser: 0,
  };
  return [
    { ...common, id: { cluster: ctx.cluster, role: 'benchmarkWorker' }, statefulSet: names.benchWorkers(ctx.cluster), replicas: spec.size },
    { ...common, id: { cluster: ctx.cluster, role: 'benchmarkCoordinator' }, statefulSet: names.benchCoordinator(ctx.cluster), replicas: 1 },
  ];
}
