// Which objects the operator may touch: only those whose controller owner reference is the
// AtomixCluster being reconciled (by uid, so a deleted and re-created cluster of the same name
// does not inherit them). Anything else in the way is a name conflict, described by who holds it.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Problem } from './status.js';

export const NAME_CONFLICT = 'NameConflict';

export function isControlledBy(object: KubernetesObject, uid: string | undefined): boolean {
  return uid !== undefined && object.metadata?.ownerReferences?.find((owner) => owner.controller)?.uid === uid;
}

/** Who holds an object: its controller, else the field managers that wrote it (from managedFields, when known). */
export function holderOf(object: KubernetesObject): string {
  const controller = object.metadata?.ownerReferences?.find((owner) => owner.controller);
  if (controller) return `controlled by ${controller.kind} ${controller.name}`;
  const managers = [...new Set((object.metadata?.managedFields ?? []).flatMap((entry) => (entry.manager ? [entry.manager] : [])))];
  if (managers.length > 0) return `managed by ${managers.map((m) => `"${m}"`).join(', ')}`;
  return 'not controlled by this AtomixCluster';
}

export function nameConflict(kind: string, name: string, holder: string): Problem {
  return {
    reason: NAME_CONFLICT,
    message: `${kind} ${name} already exists, ${holder}; the operator leaves it alone and takes the name once it is gone (or rename the cluster or group)`,
    terminal: true,
  };
}

/** The most recent field manager other than `self` in an object's managedFields. */
export function latestOtherManager(object: KubernetesObject, self: string): string | undefined {
  const entries = (object.metadata?.managedFields ?? []).filter((entry) => entry.manager && entry.manager !== self);
  const time = (entry: { time?: Date | string }) => (entry.time ? new Date(entry.time).getTime() : 0);
  return entries.sort((a, b) => time(b) - time(a))[0]?.manager;
}
