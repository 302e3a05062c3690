/**
 * Server-side apply of owned objects, and only onto the object inspected: `applyObject` carries
 * the live object's uid as a precondition, `createObject` never takes over an existing object.
 * Both skip the request when the live object already matches (diff.ts) and stamp the desired
 * object's hash (hash.ts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { isConflict, KubeApiError, statusCodeOf } from './errors.js';
import { needsApply } from './diff.js';
import { withAppliedHash, withMetadata } from './hash.js';
import { PatchStrategy, type ObjectPatcher } from './transport.js';

export interface ApplyOptions {
  fieldManager: string;
  /**
   * The cached live object; when given and already up to date, no request is sent. When it has a
   * uid, the apply carries it as a precondition: it fails (409 or 422) rather than create or change
   * any other object of that name, so force is only ever used on the object the caller inspected.
   */
  live?: KubernetesObject | undefined;
  /** Annotation holding the desired-object hash; `false` disables stamping. */
  hashAnnotation?: string | false;
}

export interface ApplyResult {
  /** False when the live object already matched and no request was sent. */
  applied: boolean;
  /** The server's answer to the apply, or the live object when nothing was sent. */
  object: KubernetesObject;
}

/**
 * Server-side applies `desired` with `force` (the operator is the only authority on the
 * fields it sets), unless `live` shows that nothing would change.
 */
export async function applyObject(
  client: ObjectPatcher,
  desired: KubernetesObject,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const stamped = options.hashAnnotation === false ? desired : withAppliedHash(desired, options.hashAnnotation);
  if (options.live && !needsApply(stamped, options.live)) return { applied: false, object: options.live };
  const uid = options.live?.metadata?.uid;
  const body = uid ? withMetadata(stamped, { uid }) : stamped;
  const object = await client.patch(body, undefined, undefined, options.fieldManager, true, PatchStrategy.ServerSideApply);
  return { applied: true, object };
}

/**
 * A resourceVersion no object can have (the largest 64-bit revision). As a precondition it makes a
 * server-side apply fail with 409 Conflict when any object of that name exists, while a missing
 * object is created as usual: a create that never takes over an object, and whose fields are
 * owned by an Apply entry like every later apply (a POST would leave an Update entry that keeps
 * fields the operator stops setting).
 */
export const NO_SUCH_RESOURCE_VERSION = '18446744073709551615';

/**
 * The object an apply carried the uid of is gone or replaced: 409 when no object of the name
 * exists, 422 (metadata.uid is immutable) when another one does.
 */
export function isUidPreconditionFailure(error: unknown): boolean {
  if (isConflict(error)) return true;
  const causes = error instanceof KubeApiError ? error.details?.causes : undefined;
  return statusCodeOf(error) === 422 && (causes?.some((cause) => cause.field === 'metadata.uid') ?? false);
}

export type CreateResult = { created: true; object: KubernetesObject } | { created: false };

/** Creates `desired` (hash-stamped) unless an object of that name exists, which is then left untouched. */
export async function createObject(client: ObjectPatcher, desired: KubernetesObject, options: { fieldManager: string }): Promise<CreateResult> {
  const stamped = withAppliedHash(desired);
  const body = withMetadata(stamped, { resourceVersion: NO_SUCH_RESOURCE_VERSION });
  try {
    const object = await client.patch(body, undefined, undefined, options.fieldManager, true, PatchStrategy.ServerSideApply);
    return { created: true, object };
  } catch (error) {
    if (isConflict(error)) return { created: false };
    throw error;
  }
}
