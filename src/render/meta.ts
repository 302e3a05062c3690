// Metadata shared by every object the operator owns.
import type { AtomixCluster } from '../api/schema.js';
import type { Labels } from './labels.js';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Labels;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

/** A Kubernetes object as rendered: plain JSON, ready to apply. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
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
  return { name, namespace, labels, ...(owners ? { ownerReferences: owners } : {}) };
}
