import type { ServerGroup } from './node-groups.js';
import { selectorLabels } from './labels.js';
import type { ObjectMeta, PodDisruptionBudgetObject } from './meta.js';

/**
 * Lets voluntary disruptions (drains) take only as many pods as the group can
 * lose and keep its quorum. A single-node group gets maxUnavailable 1 rather than
 * a budget that would block every node drain forever.
 */
export function podDisruptionBudget(group: ServerGroup, meta: ObjectMeta): PodDisruptionBudgetObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta,
    spec: { maxUnavailable: group.maxUnavailable, selector: { matchLabels: selectorLabels(group.id) } },
  };
}
