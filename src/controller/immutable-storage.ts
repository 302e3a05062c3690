// A StatefulSet's volumeClaimTemplates cannot change after creation: the API server would
// reject the apply. Say so plainly instead, and leave that StatefulSet as it is.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../render/index.js';
import { needsApply } from '../kube/diff.js';
import type { Problem } from './status.js';

export function immutableStorageChange(desired: KubeObject, live: KubernetesObject | undefined): Problem | undefined {
  if (desired.kind !== 'StatefulSet' || !live) return undefined;
  const claims = (object: unknown) => ({ metadata: {}, spec: { volumeClaimTemplates: (object as { spec?: { volumeClaimTemplates?: unknown } }).spec?.volumeClaimTemplates ?? [] } });
  if (!needsApply(claims(desired), claims(live))) return undefined;
  return {
    reason: 'StorageImmutable',
    message:
      `StatefulSet ${desired.metadata.name}: storage size and className cannot change on an existing group ` +
      '(StatefulSet volumeClaimTemplates are immutable); restore the previous storage, or remove the group and add it again under a new name',
    terminal: true,
  };
}
