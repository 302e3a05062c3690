// A group's placement and pod metadata fields (src/api/placement.ts) in its pod
// template: passed through as given, except where the operator has a default of its
// own. Anti-affinity: unless the user sets podAntiAffinity, the group's pods prefer
// distinct nodes. Topology spread: a constraint without labelSelector spreads the
// group's own pods. Labels: the user's, then the operator's, which the schema
// keeps the user from naming.
import type { V1Affinity, V1PodAntiAffinity, V1PodSpec, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import type { PodPlacementSpec } from '../api/placement.js';
import { selectorLabels, type GroupIdentity, type Labels } from './labels.js';

type PlacementFields = Pick<
  V1PodSpec,
  'nodeSelector' | 'tolerations' | 'affinity' | 'topologySpreadConstraints' | 'priorityClassName' | 'serviceAccountName' | 'terminationGracePeriodSeconds'
>;

export function podPlacement(id: GroupIdentity, placement: PodPlacementSpec): PlacementFields {
  const { nodeSelector, tolerations, priorityClassName, serviceAccountName, terminationGracePeriodSeconds } = placement;
  const given = { nodeSelector, tolerations, priorityClassName, serviceAccountName, terminationGracePeriodSeconds };
  return {
    ...withoutUndefined(given),
    affinity: affinity(id, placement.affinity),
    ...(placement.topologySpreadConstraints ? { topologySpreadConstraints: spreadConstraints(id, placement.topologySpreadConstraints) } : {}),
  };
}

/** Pod labels: the user's first, so the operator's selector and identity labels always win. */
export function podLabels(placement: PodPlacementSpec, operatorLabels: Labels): Labels {
  return { ...placement.labels, ...operatorLabels };
}

export function podAnnotations(placement: PodPlacementSpec, operatorAnnotations: Readonly<Record<string, string>>): Record<string, string> {
  return { ...placement.annotations, ...operatorAnnotations };
}

function affinity(id: GroupIdentity, given: PodPlacementSpec['affinity']): V1Affinity {
  const { nodeAffinity, podAffinity, podAntiAffinity } = given ?? {};
  return {
    ...withoutUndefined({ nodeAffinity, podAffinity }),
    podAntiAffinity: podAntiAffinity ?? spreadAcrossNodes(id),
  };
}

/** Losing a node should cost a group as few members as possible: preferably one pod of the group per node. */
function spreadAcrossNodes(id: GroupIdentity): V1PodAntiAffinity {
  return {
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(id) } } },
    ],
  };
}

function spreadConstraints(id: GroupIdentity, given: NonNullable<PodPlacementSpec['topologySpreadConstraints']>): V1TopologySpreadConstraint[] {
  // Without a selector a constraint counts no pods at all, and so constrains nothing.
  return given.map((constraint) => ({ labelSelector: { matchLabels: selectorLabels(id) }, ...constraint }));
}

function withoutUndefined<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
