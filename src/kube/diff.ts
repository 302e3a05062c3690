/**
 * Whether an apply is needed at all. Steady state must cost zero writes, so every apply is
 * preceded by `needsApply(desired, live)` against the informer cache: a write happens only
 * when live lacks something desired sets. Fields the server adds or defaults are ignored, and
 * quantities are compared in the server's canonical form. A field that disappears from the
 * desired object is not visible to that subset check: the applied-hash annotation (hash.ts)
 * catches it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { quantitiesEqual } from './quantity.js';

/** Top-level fields that describe or report on an object rather than declare it. */
const IGNORED_TOP_LEVEL = new Set(['apiVersion', 'kind', 'status']);
/** Metadata the server owns; a desired object copied from a live one may still carry them. */
const SERVER_METADATA = new Set([
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);
/**
 * Maps whose values are resource quantities, and fields that are quantities themselves (typed to
 * take undefined, so a missing key or parent is simply not found).
 */
const QUANTITY_MAPS: ReadonlySet<string | undefined> = new Set(['requests', 'limits', 'capacity', 'allocatable', 'hard', 'overhead']);
const QUANTITY_FIELDS: ReadonlySet<string | undefined> = new Set(['sizeLimit']);

type JsonObject = { [key: string]: unknown };

/**
 * True when applying `desired` could change `live`: live is missing, or a field that desired
 * sets has a different value in live. Map keys desired does not set are ignored (server
 * defaults, other managers); lists are compared element by element, in order and by length;
 * quantities are compared by value. A zero value in desired (false, 0, '', null, {} or [])
 * matches an absent live field, because the server omits empty fields when it stores them.
 */
export function needsApply(desired: KubernetesObject, live: KubernetesObject | undefined): boolean {
  if (!live) return true;
  return !Object.entries(desired).every(([field, value]) => {
    if (IGNORED_TOP_LEVEL.has(field)) return true;
    if (field === 'metadata') return coversMetadata(value, live.metadata);
    return covers(value, (live as JsonObject)[field], field, undefined);
  });
}

/** True when every field of `desired` is present with the same value in `live` and vice versa. */
export function semanticallyEqual(desired: unknown, live: unknown): boolean {
  return covers(desired, live, undefined, undefined) && covers(live, desired, undefined, undefined);
}

function coversMetadata(desired: unknown, live: unknown): boolean {
  if (!isObject(desired)) return covers(desired, live, undefined, undefined);
  const liveMetadata = isObject(live) ? live : {};
  return Object.entries(desired).every(
    ([field, value]) => SERVER_METADATA.has(field) || covers(value, liveMetadata[field], field, undefined),
  );
}

function covers(desired: unknown, live: unknown, key: string | undefined, parentKey: string | undefined): boolean {
  if (desired === undefined) return true;
  if ((live === undefined || live === null) && isZeroValue(desired)) return true;
  if (isQuantity(key, parentKey) && isScalar(desired) && isScalar(live)) {
    return desired === live || quantitiesEqual(desired, live);
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((element, index) => covers(element, live[index], undefined, key))
    );
  }
  if (isObject(desired)) {
    return isObject(live) && Object.entries(desired).every(([field, value]) => covers(value, live[field], field, key));
  }
  return desired === live;
}

function isQuantity(key: string | undefined, parentKey: string | undefined): boolean {
  return QUANTITY_FIELDS.has(key) || QUANTITY_MAPS.has(parentKey);
}

function isZeroValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

function isScalar(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
