// Metadata shared by every object the operator owns, and the typed form of each
// owned object. The Kubernetes API types are imported as types only: they cost
// nothing at run time, yet a misspelt or misplaced field fails to compile.
import type {
  V1ConfigMap,
  V1Ingress,
  V1ObjectMeta,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { AtomixCluster } from '../api/schema.js';
import type { Labels } from './labels.js';

export interface ObjectMeta extends V1ObjectMeta {
  name: string;
  namespace: string;
  labels: Labels;
}

export interface OwnerReference extends V1OwnerReference {
  controller: true;
  blockOwnerDeletion: true;
}

/** An owned object as rendered: the API type of its kind, with what the renderer always sets made required. */
type Owned<T, ApiVersion extends string, Kind extends string> = Omit<T, 'apiVersion' | 'kind' | 'metadata'> & {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: ObjectMeta;
};

export type ConfigMapObject = Owned<V1ConfigMap, 'v1', 'ConfigMap'>;
export type ServiceObject = Owned<V1Service, 'v1', 'Service'>;
export type StatefulSetObject = Owned<V1StatefulSet, 'apps/v1', 'StatefulSet'>;
export type PodDisruptionBudgetObject = Owned<V1PodDisruptionBudget, 'policy/v1', 'PodDisruptionBudget'>;
export type IngressObject = Owned<V1Ingress, 'networking.k8s.io/v1', 'Ingress'>;

/** A Kubernetes object as rendered: plain JSON, ready to apply, typed by its kind. */
export type KubeObject = ConfigMapObject | ServiceObject | StatefulSetObject | PodDisruptionBudgetObject | IngressObject;

/** Narrows a rendered object by its kind: `objects.filter(isKind('StatefulSet'))`. */
export function isKind<K extends KubeObject['kind']>(kind: K): (object: KubeObject) => object is Extract<KubeObject, { kind: K }> {
  return (object): object is Extract<KubeObject, { kind: K }> => object.kind === kind;
}

/**
 * The controller owner reference makes the garbage collector delete every owned
 * object with its AtomixCluster. A cluster read from a file has no uid yet, so
 * `render` output carries none.
 */
export function ownerReferences(cluster: AtomixCluster): OwnerReference[] | undefined {
  const { uid, name } = cluster.metadata;
  if (!uid) return undefined;
  return [{ apiVersion: cluster.apiVersion, kind: cluster.kind, name, uid, controller: true, blockOwnerDeletion: true }];
}

export function objectMeta(name: string, namespace: string, labels: Labels, owners: OwnerReference[] | undefined): ObjectMeta {
  return { name, namespace, labels, ...(owners ? ({ ownerReferences: owners } satisfies Partial<V1ObjectMeta>) : {}) };
}
