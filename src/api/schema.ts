// The AtomixCluster API (agent.atomix.io/v1alpha1): one definition that yields the
// TypeScript types (Static<>), the CRD's structural OpenAPI schema (crd.ts) and the
// CLI's validation (validate.ts). Defaults live here as schema defaults, so the
// API server and the CLI apply the same ones; the only default that depends on
// another field (partitions = size) is in defaults.ts.
import { Type, type Static } from '@sinclair/typebox';
import { withRules, withTransitionRules } from './rules.js';
import { managementGroupTransitionRules, partitionGroupTransitionRules, raftTransitionRules, storageTransitionRules } from './transition-rules.js';
import { benchImage, IMAGE_PATTERN, IMAGE_PATTERN_MEANING, imageFields } from './image-fields.js';
import { MAX_RESOURCES, resourceMapRules, resourceRequirementsRules, resourceValueRules, sizeRules } from './quantity-rules.js';
import { entrySizeRules, fractionRules, segmentSizeRules, storageRules } from './atomix-limits.js';
import { versionRules, versionTransitionRules } from './version-rules.js';
import { UPDATE_STRATEGIES, UPDATE_STRATEGY_DESCRIPTION } from './update-strategy.js';
import { ATOMIX_VERSIONS, DEFAULT_ATOMIX_VERSION } from './versions.js';
import {
  MAX_CLUSTER_AND_GROUP_NAME,
  MAX_CLUSTER_NAME,
  MAX_CLUSTER_NAME_WITH_BENCHMARK,
  MAX_GROUP_NAME,
  RESERVED_GROUP_NAMES,
} from './names.js';
import { celList, strict, stringEnum } from './schema-kit.js';
import { PLACEMENT_PATTERN_MEANINGS, PodPlacementFields } from './placement.js';
import { protocolsOf } from './protocols.js';

const MAX_GROUP_SIZE = 99;
const MAX_PARTITIONS = 1024;
const MAX_PARTITION_GROUPS = 32;

const MAX_QUANTITY_LENGTH = 32;
/**
 * Kubernetes' quantity grammar (resource.Quantity), with the exponent an integer of at most nine
 * digits as the API server parses it (its OpenAPI pattern also lets through "1e1.5" and exponents
 * beyond 32 bits, which it then refuses when the operator applies the StatefulSet).
 */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?[0-9]{1,9}))?$';
/** HOCON memory sizes as Atomix reads them: powers of two for K/M/G/Ki/KiB, of ten for kB/MB/GB. */
const MEMORY_SIZE_PATTERN = '^[0-9]+(B|[KkMmGg]|[KMG]i|[KMG]iB|kB|MB|GB)?$';
const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)?$';
const DNS_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
const ENV_NAME_PATTERN = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';
/** What a pattern means, in the words of the CLI's validation messages (validate.ts). */
export const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  [QUANTITY_PATTERN]: 'must be a Kubernetes quantity such as 2G, 10Gi, 500m or 1',
  [MEMORY_SIZE_PATTERN]: 'must be a memory size such as 64M, 1K, 512KiB or 1MB',
  [DURATION_PATTERN]: 'must be a duration such as 500ms, 30s, 10m or 1h',
  [DNS_LABEL_PATTERN]: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter',
  ...PLACEMENT_PATTERN_MEANINGS,
  [IMAGE_PATTERN]: IMAGE_PATTERN_MEANING,
};
/** Set by the operator on every Atomix container; a user value would break node identity. */
const RESERVED_ENV_NAMES = ['POD_NAME', 'POD_NAMESPACE', 'NODE_NAME'] as const;

const resourceMap = (description: string) =>
  withRules(
    Type.Unsafe<Record<string, string | number>>({
      type: 'object',
      description,
      maxProperties: MAX_RESOURCES,
      additionalProperties: withRules(
        Type.Unsafe<string | number>({
          'x-kubernetes-int-or-string': true,
          // Exactly this anyOf, or the schema is not structural; pattern and maxLength apply to strings.
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          pattern: QUANTITY_PATTERN,
          maxLength: MAX_QUANTITY_LENGTH,
        }),
        resourceValueRules,
      ),
    }),
    resourceMapRules,
  );

const memorySize = (description: string, defaultValue: string) =>
  Type.String({ description, default: defaultValue, pattern: MEMORY_SIZE_PATTERN, maxLength: 16 });
/** Atomix's compaction buffers, 0.2 by default; Atomix refuses 0 and 1. */
const fraction = (field: string, description: string) => withRules(Type.Number({ default: 0.2, description }), fractionRules(field));

const EnvVar = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, pattern: ENV_NAME_PATTERN }),
    value: Type.Optional(Type.String()),
    valueFrom: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({
        type: 'object',
        description: 'A Kubernetes EnvVarSource (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef).',
        'x-kubernetes-preserve-unknown-fields': true,
      }),
    ),
  },
  strict,
);

const Env = withRules(
  Type.Array(EnvVar, { maxItems: 64, description: 'Environment variables for the nodes, e.g. JAVA_OPTS.' }),
  [
    {
      cel: `self.all(e, !(e.name in ${celList(RESERVED_ENV_NAMES)}))`,
      message: `env must not set ${RESERVED_ENV_NAMES.join(', ')}: the operator sets them to give each node its identity`,
      holds: (env: { name: string }[]) => env.every((e) => !(RESERVED_ENV_NAMES as readonly string[]).includes(e.name)),
    },
  ],
);

const Resources = withRules(
  Type.Object(
    {
      limits: Type.Optional(resourceMap('Resource limits, e.g. cpu: 2, memory: 4Gi.')),
      requests: Type.Optional(resourceMap('Resource requests, each at most its limit.')),
    },
    { ...strict, description: 'Container resources (Kubernetes ResourceRequirements).' },
  ),
  resourceRequirementsRules,
);

const StorageLevels = ['disk', 'mapped'] as const;

const Storage = withRules(withTransitionRules(Type.Object(
  {
    size: withRules(
      Type.String({
        description: 'Size of each node\'s data volume (a Kubernetes quantity).',
        default: '2G',
        pattern: QUANTITY_PATTERN,
        maxLength: MAX_QUANTITY_LENGTH,
      }),
      sizeRules,
    ),
    className: Type.Optional(Type.String({ description: 'StorageClass of the data volumes.', minLength: 1, maxLength: 253 })),
    segmentSize: withRules(memorySize('Size of a log segment file (HOCON memory size: 64M = 64 MiB), below 2 GiB.', '64M'), segmentSizeRules),
    // The 2019 operator defaulted to 1K; real Atomix 3.1 then rejects any write
    // over 1 KiB (StorageException$TooLarge) and breaks the client's session.
    entrySize: withRules(memorySize('Largest log entry (HOCON memory size), at least 1K and at most segmentSize.', '1M'), entrySizeRules),
    // Not disk by default: with disk, Atomix 3.1 (every 3.1.x) reads a log through a 2 MiB copy
    // that a truncation does not refresh. A member that comes back with entries the new leader
    // overwrites (a leader deleted or cut off before it replicated them) applies its own stale
    // entries from that copy, then no more: it never becomes Ready. Mapped readers see the file.
    level: stringEnum(StorageLevels, { description: 'Where the log lives: memory-mapped files, or disk (Atomix 3.1 can then stall a member that rejoins with entries the leader overwrites).', default: 'mapped' }),
    flushOnCommit: Type.Boolean({ description: 'Flush to disk on every commit.', default: false }),
  },
  { ...strict, default: {} },
), storageTransitionRules), storageRules);

const RaftCompaction = Type.Object(
  {
    dynamic: Type.Boolean({ default: true, description: 'Compact during periods of low load.' }),
    freeDiskBuffer: fraction('freeDiskBuffer', 'Free disk fraction that forces compaction, greater than 0 and less than 1.'),
    freeMemoryBuffer: fraction('freeMemoryBuffer', 'Free memory fraction that forces compaction, greater than 0 and less than 1.'),
  },
  { ...strict, default: {} },
);

const LogCompaction = Type.Object(
  {
    size: memorySize('Compact the log once it exceeds this size.', '1G'),
    age: Type.Optional(Type.String({ description: 'Compact entries older than this (e.g. 1h).', pattern: DURATION_PATTERN, maxLength: 16 })),
  },
  { ...strict, default: {} },
);

const MemberGroupStrategies = ['node-aware', 'host-aware', 'rack-aware', 'zone-aware'] as const;

const memberGroupStrategy = stringEnum(MemberGroupStrategies, {
  description: 'How primaries and backups are spread across member groups.',
  default: 'node-aware',
});

const Raft = withTransitionRules(
  Type.Object(
    {
      storage: Storage,
      compaction: RaftCompaction,
      partitionSize: Type.Integer({ minimum: 1, maximum: MAX_GROUP_SIZE, default: 3, description: 'Members per Raft partition.' }),
    },
    { ...strict, description: 'Raft (consensus) partition group.' },
  ),
  raftTransitionRules,
);

const PrimaryBackup = Type.Object(
  { memberGroupStrategy },
  { ...strict, description: 'Primary-backup (in-memory replication) partition group.' },
);

const Log = Type.Object(
  { storage: Storage, compaction: LogCompaction, memberGroupStrategy },
  { ...strict, description: 'Distributed log partition group.' },
);

const size = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_GROUP_SIZE, default: 1, description });

interface GroupShape {
  name: string;
  raft?: unknown;
  primaryBackup?: unknown;
  log?: unknown;
}

const PartitionGroup = withTransitionRules(withRules(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: MAX_GROUP_NAME, pattern: DNS_LABEL_PATTERN, description: 'Name of the group (a DNS label).' }),
      size: size('Number of nodes in the group.'),
      partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS, description: 'Number of partitions; defaults to size.' })),
      env: Type.Optional(Env),
      resources: Type.Optional(Resources),
      ...PodPlacementFields,
      raft: Type.Optional(Raft),
      primaryBackup: Type.Optional(PrimaryBackup),
      log: Type.Optional(Log),
    },
    strict,
  ),
  [
    {
      cel: '(has(self.raft) ? 1 : 0) + (has(self.primaryBackup) ? 1 : 0) + (has(self.log) ? 1 : 0) == 1',
      message: 'a partition group needs exactly one protocol: raft, primaryBackup or log',
      holds: (group: GroupShape) => protocolsOf(group).length === 1,
    },
    {
      cel: `!(self.name in ${celList(RESERVED_GROUP_NAMES)})`,
      message: `name must not be one of ${RESERVED_GROUP_NAMES.join(', ')}: those names are taken by Atomix or by the operator's own objects`,
      fieldPath: '.name',
      holds: (group: GroupShape) => !(RESERVED_GROUP_NAMES as readonly string[]).includes(group.name),
    },
  ],
), partitionGroupTransitionRules);

const PartitionGroups = withRules(
  Type.Array(PartitionGroup, {
    maxItems: MAX_PARTITION_GROUPS,
    description: 'Partition groups; add and remove them by patching.',
    // A list-map keyed by name: transition rules compare each group with the stored group of its name.
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  }),
  [
    {
      cel: 'self.all(g, self.exists_one(h, h.name == g.name))',
      message: 'partition group names must be unique',
      holds: (groups: { name: string }[]) => new Set(groups.map((g) => g.name)).size === groups.length,
    },
  ],
);

const ManagementGroup = withTransitionRules(
  Type.Object(
    {
      size: size('Number of nodes in the management (Raft) group.'),
      env: Type.Optional(Env),
      resources: Type.Optional(Resources),
      ...PodPlacementFields,
      storage: Storage,
    },
    { ...strict, default: {}, description: 'The Raft group that manages the cluster (Atomix\'s "system" group).' },
  ),
  managementGroupTransitionRules,
);

const Benchmark = Type.Object(
  {
    size: size('Number of atomix-bench workers.'),
    image: Type.Optional(benchImage),
    env: Type.Optional(Env),
    resources: Type.Optional(Resources),
    // Workers and coordinator alike.
    ...PodPlacementFields,
  },
  { ...strict, description: 'atomix-bench workers and a coordinator behind an Ingress.' },
);

export const AtomixClusterSpecSchema = withTransitionRules(withRules(Type.Object(
  {
    version: stringEnum(ATOMIX_VERSIONS, {
      description:
        `Atomix release, one of ${ATOMIX_VERSIONS.join(', ')}: which Atomix behaviour the operator expects, ` +
        'the tag of the atomix/atomix image (unless image is set) and the app.kubernetes.io/version label.',
      default: DEFAULT_ATOMIX_VERSION,
    }),
    ...imageFields,
    updateStrategy: stringEnum(UPDATE_STRATEGIES, { description: UPDATE_STRATEGY_DESCRIPTION, default: 'RollingUpdate' }),
    managementGroup: ManagementGroup,
    partitionGroups: Type.Optional(PartitionGroups),
    benchmark: Type.Optional(Benchmark),
  },
  strict,
), versionRules), versionTransitionRules);

const Condition = Type.Object({
  type: Type.String(),
  status: stringEnum(['True', 'False', 'Unknown'] as const),
  reason: Type.String(),
  message: Type.String(),
  observedGeneration: Type.Optional(Type.Integer()),
  lastTransitionTime: Type.String(),
});

const GroupStatus = Type.Object({
  name: Type.String(),
  replicas: Type.Integer(),
  readyReplicas: Type.Integer(),
  updatedReplicas: Type.Optional(Type.Integer({ description: 'Members running the update revision (Atomix server groups).' })),
  currentRevision: Type.Optional(Type.String({ description: 'The revision of the members not yet replaced; the update revision once all run it and are Ready.' })),
  updateRevision: Type.Optional(Type.String({ description: "The StatefulSet's revision of the current pod template." })),
  available: Type.Optional(Type.Boolean({ description: 'Whether the group took the last write probe through a Ready member (its quorum is there).' })),
});

export const AtomixClusterStatusSchema = Type.Object({
  serviceName: Type.Optional(Type.String({ description: 'Headless service through which clients discover the cluster.' })),
  observedGeneration: Type.Optional(Type.Integer()),
  readyGroups: Type.Optional(Type.String({ description: 'Ready groups out of all groups, e.g. 2/3.' })),
  conditions: Type.Optional(Type.Array(Condition)),
  managementGroup: Type.Optional(GroupStatus),
  partitionGroups: Type.Optional(Type.Array(GroupStatus)),
  benchmark: Type.Optional(GroupStatus),
});


/** Validations that need metadata.name, so they sit on the root of the object. */
export const clusterNameRules = [
  {
    cel: `self.metadata.name.matches('${DNS_LABEL_PATTERN}')`,
    message: 'metadata.name must start with a letter and contain only lowercase letters, digits and "-": it prefixes Service names',
    fieldPath: '.metadata.name',
    holds: (self: ClusterIdentity) => new RegExp(DNS_LABEL_PATTERN).test(self.metadata.name),
  },
  {
    cel: `size(self.metadata.name) <= ${MAX_CLUSTER_NAME}`,
    message: `metadata.name must be at most ${MAX_CLUSTER_NAME} characters: the StatefulSet {name}-management must fit Kubernetes' 52-character limit`,
    fieldPath: '.metadata.name',
    holds: (self: ClusterIdentity) => self.metadata.name.length <= MAX_CLUSTER_NAME,
  },
  {
    cel: `!has(self.spec.benchmark) || size(self.metadata.name) <= ${MAX_CLUSTER_NAME_WITH_BENCHMARK}`,
    message: `metadata.name must be at most ${MAX_CLUSTER_NAME_WITH_BENCHMARK} characters when spec.benchmark is set: the StatefulSet {name}-bench-coordinator must fit Kubernetes' 52-character limit`,
    fieldPath: '.spec.benchmark',
    holds: (self: ClusterIdentity) => self.spec.benchmark === undefined || self.metadata.name.length <= MAX_CLUSTER_NAME_WITH_BENCHMARK,
  },
  {
    cel: `!has(self.spec.partitionGroups) || self.spec.partitionGroups.all(g, size(self.metadata.name) + size(g.name) <= ${MAX_CLUSTER_AND_GROUP_NAME})`,
    message: `partition group name too long for this cluster: the StatefulSet {cluster}-{group} must fit Kubernetes' 52-character limit`,
    fieldPath: '.spec.partitionGroups',
    holds: (self: ClusterIdentity) =>
      (self.spec.partitionGroups ?? []).every((g) => self.metadata.name.length + g.name.length <= MAX_CLUSTER_AND_GROUP_NAME),
  },
];

interface ClusterIdentity {
  metadata: { name: string };
  spec: { benchmark?: unknown; partitionGroups?: { name: string }[] };
}

export const AtomixClusterSchema = withRules(
  Type.Object({
    apiVersion: Type.String(),
    kind: Type.String(),
    metadata: Type.Object({ name: Type.String(), namespace: Type.Optional(Type.String()) }),
    spec: AtomixClusterSpecSchema,
    status: Type.Optional(AtomixClusterStatusSchema),
  }),
  clusterNameRules,
);

type AtomixClusterSpec = Static<typeof AtomixClusterSpecSchema>;
export type AtomixClusterStatus = Static<typeof AtomixClusterStatusSchema>;
export type PartitionGroupSpec = Static<typeof PartitionGroup>;
export type StorageSpec = Static<typeof Storage>;
export type RaftSpec = Static<typeof Raft>;
export type LogSpec = Static<typeof Log>;
export type EnvVarSpec = Static<typeof EnvVar>;
export type ResourcesSpec = Static<typeof Resources>;
export type GroupStatus = Static<typeof GroupStatus>;
export type Condition = Static<typeof Condition>;
export type MemberGroupStrategy = (typeof MemberGroupStrategies)[number];

/** An AtomixCluster as stored by the API server: metadata is the full ObjectMeta. */
export interface AtomixCluster {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string | Date;
  };
  spec: AtomixClusterSpec;
  status?: AtomixClusterStatus;
}
