// Every label the operator puts on an object, and the selectors built from them.
// Selectors are subsets of the pod labels by construction, so a Service, PDB or
// anti-affinity term always selects exactly the pods it is meant for.

export type Labels = Readonly<Record<string, string>>;

/** The `type` label values promised by the 2019 README, spelled as it spells them. */
const TYPE = {
  management: 'managment',
  group: 'group',
  benchmarkWorker: 'benchmark-worker',
  benchmarkCoordinator: 'benchmark-coordinator',
} as const;

type Role = keyof typeof TYPE;

/** Separates the Atomix data nodes (discovered by clients) from benchmark clients. */
const NODE_LABEL = 'agent.atomix.io/node';
export const MANAGED_BY = 'atomix-operator';
/** The Atomix release a pod runs (spec.version): read back by the controller to tell what runs. */
export const VERSION_LABEL = 'app.kubernetes.io/version';

const COMPONENT: Record<Role, string> = {
  management: 'management-group',
  group: 'partition-group',
  benchmarkWorker: 'benchmark-worker',
  benchmarkCoordinator: 'benchmark-coordinator',
};

export interface GroupIdentity {
  readonly cluster: string;
  readonly role: Role;
  /** Partition group name; only for role "group". */
  readonly group?: string;
}

const nodeKind = (role: Role) => (role === 'management' || role === 'group' ? 'server' : 'bench');

/** Labels on every object of a cluster (the README's `app` plus the recommended ones). */
export function clusterLabels(cluster: string): Labels {
  return {
    app: cluster,
    'app.kubernetes.io/name': 'atomix',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Identity labels of a group's pods: stable for the group's lifetime, so usable as a selector. */
export function selectorLabels(id: GroupIdentity): Labels {
  return {
    app: id.cluster,
    type: TYPE[id.role],
    ...(id.group !== undefined ? { group: id.group } : {}),
  };
}

/** Labels of a group's objects and pods; `version` is never part of a selector. */
export function groupLabels(id: GroupIdentity, version: string): Labels {
  return {
    ...selectorLabels(id),
    ...clusterLabels(id.cluster),
    'app.kubernetes.io/component': COMPONENT[id.role],
    [VERSION_LABEL]: version,
    [NODE_LABEL]: nodeKind(id.role),
  };
}

/** Selects every Atomix data node of a cluster: what the discovery service resolves to. */
export function dataNodeSelector(cluster: string): Labels {
  return { app: cluster, [NODE_LABEL]: 'server' };
}

/** Selects the Atomix server pods (members of the management and partition groups) of every cluster the operator manages. */
export const SERVER_PODS: Labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, [NODE_LABEL]: 'server' };

/** Selects every benchmark pod of a cluster (workers and coordinator). */
export function benchNodeSelector(cluster: string): Labels {
  return { app: cluster, [NODE_LABEL]: 'bench' };
}
