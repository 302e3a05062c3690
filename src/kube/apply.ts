/**
 * Server-side apply, and the decision whether an apply is needed at all.
 *
 * Steady state must cost zero writes, so every apply is preceded by `needsApply(desired, live)`
 * against the informer cache: a write happens only when live lacks something desired sets.
 * Fields the server adds or defaults are ignored. A field that disappears from the desired
 * object is not visible to that subset check, so `applyObject` stamps a hash of the desired
 * object into an annotation: any change of the desired object, removals included, changes
 * the annotation and so triggers exactly one apply.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isConflict, KubeApiError, statusCodeOf } from './errors.js';
import { quantitiesEqual } from './quantity.js';
import { apiVersionOf, objectPath, type ResourceType } from './resources.js';

export const APPLIED_HASH_ANNOTATION = 'agent.atomix.io/applied-hash';

/** Content types of the PATCH flavours, as client-node names them (defined here so it need not be loaded). */
export const PatchStrategy = {
  JsonPatch: 'application/json-patch+json',
  MergePatch: 'application/merge-patch+json',
  StrategicMergePatch: 'application/strategic-merge-patch+json',
  ServerSideApply: 'application/apply-patch+yaml',
} as const;
export type PatchStrategy = (typeof PatchStrategy)[keyof typeof PatchStrategy];

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
/** Maps whose values are resource quantities, and fields that are quantities themselves. */
const QUANTITY_MAPS = new Set(['requests', 'limits', 'capacity', 'allocatable', 'hard', 'overhead']);
const QUANTITY_FIELDS = new Set(['sizeLimit']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
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
  if (!isObject(desired)) return covers(desired, live, 'metadata', undefined);
  const liveMetadata = isObject(live) ? live : {};
  return Object.entries(desired).every(
    ([field, value]) => SERVER_METADATA.has(field) || covers(value, liveMetadata[field], field, 'metadata'),
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
  return (key !== undefined && QUANTITY_FIELDS.has(key)) || (parentKey !== undefined && QUANTITY_MAPS.has(parentKey));
}

function isZeroValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

function isScalar(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short stable hash of an object: keys sorted, undefined dropped. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 16);
}

function canonical(value: unknown): Json {
  if (Array.isArray(value)) return value.map((element) => (element === undefined ? null : canonical(element)));
  if (isObject(value)) {
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const field = value[key];
      if (field !== undefined) sorted[key] = canonical(field);
    }
    return sorted;
  }
  return value as Json;
}

/** A copy of `desired` with the hash of its own content in `annotation` (the hash excludes that annotation). */
export function withAppliedHash<T extends KubernetesObject>(desired: T, annotation = APPLIED_HASH_ANNOTATION): T {
  const { [annotation]: _previous, ...annotations } = desired.metadata?.annotations ?? {};
  const unstamped = { ...desired, metadata: { ...desired.metadata, annotations } };
  const hash = contentHash(unstamped);
  return { ...unstamped, metadata: { ...unstamped.metadata, annotations: { ...annotations, [annotation]: hash } } };
}

/** The part of an object API (KubeClient.objects, or client-node's KubernetesObjectApi) that apply needs. */
export interface ObjectPatcher {
  patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy?: PatchStrategy,
  ): Promise<T>;
}

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
export async function applyObject<T extends KubernetesObject>(
  client: ObjectPatcher,
  desired: T,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const stamped = options.hashAnnotation === false ? desired : withAppliedHash(desired, options.hashAnnotation);
  if (options.live && !needsApply(stamped, options.live)) return { applied: false, object: options.live };
  const uid = options.live?.metadata?.uid;
  const body = uid ? { ...stamped, metadata: { ...stamped.metadata, uid } } : stamped;
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
const NO_SUCH_RESOURCE_VERSION = '18446744073709551615';

/**
 * The object an apply carried the uid of is gone or replaced: 409 when no object of the name
 * exists, 422 (metadata.uid is immutable) when another one does.
 */
export function isUidPreconditionFailure(error: unknown): boolean {
  if (isConflict(error)) return true;
  const causes = error instanceof KubeApiError ? (error.details?.causes ?? []) : [];
  return statusCodeOf(error) === 422 && causes.some((cause) => cause.field === 'metadata.uid');
}

export type CreateResult = { created: true; object: KubernetesObject } | { created: false };

/** Creates `desired` (hash-stamped) unless an object of that name exists, which is then left untouched. */
export async function createObject<T extends KubernetesObject>(client: ObjectPatcher, desired: T, options: { fieldManager: string }): Promise<CreateResult> {
  const stamped = withAppliedHash(desired);
  const body = { ...stamped, metadata: { ...stamped.metadata, resourceVersion: NO_SUCH_RESOURCE_VERSION } };
  try {
    const object = await client.patch(body, undefined, undefined, options.fieldManager, true, PatchStrategy.ServerSideApply);
    return { created: true, object };
  } catch (error) {
    if (isConflict(error)) return { created: false };
    throw error;
  }
}

/** A raw JSON request; `KubeClient` implements it. */
export interface RawRequester {
  request<T = unknown>(request: RawRequest): Promise<T>;
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ApplyStatusOptions {
  fieldManager: string;
  /** The cached live object; when its status already equals `status`, no request is sent. */
  live?: KubernetesObject | undefined;
}

/**
 * Writes the status subresource with server-side apply. SSA rather than a merge patch because
 * the operator computes the complete status each time: fields it stops setting are removed by
 * the apply, with no need to send explicit nulls, and no resourceVersion precondition can fail.
 * Skipped when the live status is already semantically equal.
 */
export async function applyStatus(
  client: RawRequester,
  resource: ResourceType,
  target: { namespace?: string | undefined; name: string },
  status: Record<string, unknown>,
  options: ApplyStatusOptions,
): Promise<{ applied: boolean; resourceVersion?: string }> {
  const liveStatus = (options.live as { status?: unknown } | undefined)?.status;
  if (options.live && semanticallyEqual(status, liveStatus ?? {})) return { applied: false };
  const written = await client.request<KubernetesObject>({
    method: 'PATCH',
    path: `${objectPath(resource, target.namespace, target.name)}/status`,
    query: { fieldManager: options.fieldManager, force: true },
    contentType: PatchStrategy.ServerSideApply,
    body: {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: { name: target.name, namespace: target.namespace },
      status,
    },
  });
  const resourceVersion = written.metadata?.resourceVersion;
  return { applied: true, ...(resourceVersion ? { resourceVersion } : {}) };
}
