// One reconcile pass over one cluster: its identity, the names it found taken, and the guard
// every write goes through, which ends the pass when the namespace is being deleted or gone.
import type { AtomixCluster } from '../api/schema.js';
import { isNamespaceGone } from '../kube/errors.js';

/** The namespace is being deleted or is gone: the pass stops, writing nothing more. */
export class NamespaceGone extends Error {}

export interface Pass {
  readonly key: string;
  readonly cluster: AtomixCluster;
  /** Objects of this cluster's names held by someone else: `Kind/name`. */
  readonly conflicts: Set<string>;
  /** Runs a write; a namespace found gone on the way ends the pass (throws NamespaceGone). */
  write<T>(send: () => Promise<T>): Promise<T>;
}

/**
 * The first write of a pass that only repairs (the cluster's spec has been seen) first asks
 * whether the namespace is being deleted: deleting a namespace deletes the owned objects one
 * kind after another, and putting them back would only be refused.
 */
export function startPass(key: string, cluster: AtomixCluster, namespaceGone: (namespace: string) => Promise<boolean>): Pass {
  const repairing = cluster.status?.observedGeneration !== undefined && cluster.status.observedGeneration === cluster.metadata.generation;
  const namespace = cluster.metadata.namespace ?? '';
  let checked: Promise<void> | undefined;
  const guard = () =>
    (checked ??= (repairing ? namespaceGone(namespace) : Promise.resolve(false)).then((gone) => {
      if (gone) throw new NamespaceGone();
    }));
  return {
    key,
    cluster,
    conflicts: new Set(),
    write: async (send) => {
      await guard();
      try {
        return await send();
      } catch (error) {
        throw isNamespaceGone(error) ? new NamespaceGone() : error;
      }
    },
  };
}

/** A pass given up on because of its namespace re-throws; anything else is the caller's to handle. */
export function rethrowNamespaceGone(error: unknown): void {
  if (error instanceof NamespaceGone) throw error;
}
