import { GROUP, KIND, PLURAL, VERSION } from '../api/group.js';

/**
 * Static descriptions of the API resources the operator touches, so REST paths are
 * built without discovery requests.
 */
export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** Path of the collection; `namespace` undefined means all namespaces (or a cluster-scoped resource). */
export function collectionPath(resource: ResourceType, namespace?: string): string {
  const root = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${resource.plural}`;
}

export function objectPath(resource: ResourceType, namespace: string | undefined, name: string): string {
  if (resource.namespaced && !namespace) {
    throw new Error(`${resource.kind} ${name} is namespaced: a namespace is required`);
  }
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

const core = (kind: string, plural: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced,
});

export const resources = {
  configMaps: core('ConfigMap', 'configmaps'),
  services: core('Service', 'services'),
  pods: core('Pod', 'pods'),
  persistentVolumeClaims: core('PersistentVolumeClaim', 'persistentvolumeclaims'),
  events: core('Event', 'events'),
  namespaces: core('Namespace', 'namespaces', false),
  // The local node's kinds (src/local/node): it registers Nodes, reads Secrets, provisions volumes,
  // requests ServiceAccount tokens for pods.
  nodes: core('Node', 'nodes', false),
  secrets: core('Secret', 'secrets'),
  serviceAccounts: core('ServiceAccount', 'serviceaccounts'),
  persistentVolumes: core('PersistentVolume', 'persistentvolumes', false),
  storageClasses: { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false },
  statefulSets: { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  podDisruptionBudgets: {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
  ingresses: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  atomixClusters: { group: GROUP, version: VERSION, kind: KIND, plural: PLURAL, namespaced: true },
} as const satisfies Record<string, ResourceType>;
