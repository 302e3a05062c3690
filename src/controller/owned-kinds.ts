// The kinds the operator creates and watches.
import type { KubernetesObject } from '@kubernetes/client-node';
import { resources, type ResourceType } from '../kube/resources.js';
import { GROUP, KIND } from '../api/group.js';
import { MANAGED_BY, SERVER_PODS } from '../render/labels.js';

export const OWNED_KINDS: readonly ResourceType[] = [
  resources.services,
  resources.configMaps,
  resources.statefulSets,
  resources.podDisruptionBudgets,
  resources.ingresses,
];

/** Watch only the operator's own objects: the caches stay small however busy the namespace is. */
export const OWNED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** The pods the operator rolls: Atomix servers only, which carry their cluster's name in `app`. */
export const SERVER_POD_SELECTOR = Object.entries(SERVER_PODS).map(([label, value]) => `${label}=${value}`).join(',');

/** The work-queue key of the cluster a server pod belongs to. */
export function podClusterKey(pod: KubernetesObject): string | undefined {
  const cluster = pod.metadata?.labels?.['app'];
  return cluster && pod.metadata?.namespace ? `${pod.metadata.namespace}/${cluster}` : undefined;
}

export function ownedKind(kind: string): ResourceType {
  const resource = OWNED_KINDS.find((r) => r.kind === kind);
  if (!resource) throw new Error(`the operator does not own objects of kind ${kind}`);
  return resource;
}

/** The work-queue key of the AtomixCluster that controls `object`, if one does. */
export function controllingClusterKey(object: KubernetesObject): string | undefined {
  const owner = object.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND && ref.apiVersion.startsWith(`${GROUP}/`));
  return owner && object.metadata?.namespace ? `${object.metadata.namespace}/${owner.name}` : undefined;
}
