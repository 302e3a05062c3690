// A stable hash of an object's content, and the annotation that carries it: any change of the
// desired object, removals included, changes the annotation and so triggers exactly one apply.
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { isObject } from './diff.js';

export const APPLIED_HASH_ANNOTATION = 'agent.atomix.io/applied-hash';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A short stable hash of an object: keys sorted, undefined dropped. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonicalJson(value))).digest('hex').slice(0, 16);
}

/** `value` with object keys sorted and undefined fields dropped: equal content, equal JSON. */
export function canonicalJson(value: unknown): Json {
  if (Array.isArray(value)) return value.map((element) => (element === undefined ? null : canonicalJson(element)));
  if (isObject(value)) {
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const field = value[key];
      if (field !== undefined) sorted[key] = canonicalJson(field);
    }
    return sorted;
  }
  return value as Json;
}

/** A copy of `desired` with the hash of its own content in `annotation` (the hash excludes that annotation). */
export function withAppliedHash<T extends KubernetesObject>(desired: T, annotation = APPLIED_HASH_ANNOTATION): T {
  const { [annotation]: _previous, ...annotations } = desired.metadata?.annotations ?? {};
  const unstamped = withMetadata(desired, { annotations });
  return withMetadata(unstamped, { annotations: { ...annotations, [annotation]: contentHash(unstamped) } });
}

/** Whether `live` was last applied from `desired` as it is now (it carries the hash of `desired`'s content). */
export function isAppliedFrom(live: KubernetesObject, desired: KubernetesObject): boolean {
  const hashOf = (object: KubernetesObject) => object.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  return hashOf(live) === hashOf(withAppliedHash(desired));
}

/** A copy of `object` with `fields` set in its metadata. */
export function withMetadata<T extends KubernetesObject>(object: T, fields: Partial<V1ObjectMeta>): T {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- plain JSON that client-node types as a class
  return { ...object, metadata: { ...object.metadata, ...fields } };
}
