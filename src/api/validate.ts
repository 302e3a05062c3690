// Client-side admission: the checks the API server runs on an AtomixCluster
// (schema, defaults, CEL rules), run without a cluster so `render` rejects what
// `kubectl create` would, and reports every problem at once by field path.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { AtomixClusterSchema, PATTERN_MEANINGS, type AtomixCluster } from './schema.js';
import { rulesOf, transitionRulesOf } from './rules.js';
import { API_VERSION, KIND } from './group.js';

export interface FieldError {
  /** Field path in kubectl's notation, e.g. spec.partitionGroups[1].size. */
  readonly field: string;
  readonly message: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly cluster: AtomixCluster }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    // Ajv refuses unknown keywords by default, so the Kubernetes extensions are declared; strictTypes
    // would refuse the int-or-string anyOf that a structural schema requires.
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strictTypes: false });
    ajv.addKeyword('x-kubernetes-validations');
    ajv.addKeyword('x-kubernetes-int-or-string');
    ajv.addKeyword('x-kubernetes-preserve-unknown-fields');
    ajv.addKeyword('x-kubernetes-list-type');
    ajv.addKeyword('x-kubernetes-list-map-keys');
    compiled = ajv.compile(AtomixClusterSchema);
  }
  return compiled;
}

/**
 * Validates an object that should be an AtomixCluster and returns it with
 * every schema default applied, or every problem found.
 */
export function validateCluster(input: unknown): ValidationResult {
  const candidate = structuredClone(input);
  const identityErrors = checkIdentity(candidate);
  if (identityErrors.length > 0) return { ok: false, errors: identityErrors };
  const validate = schemaValidator();
  const schemaErrors = validate(candidate) ? [] : (validate.errors ?? []).map(toFieldError);
  const ruleErrors = checkRules(AtomixClusterSchema, candidate, []);
  const errors = [...schemaErrors, ...ruleErrors];
  return errors.length === 0 ? { ok: true, cluster: candidate as AtomixCluster } : { ok: false, errors };
}

/**
 * Validates an update as the API server does: `next` on its own, then the transition rules that
 * compare it with `previous` (the stored object, or what the live objects say it was), list-map
 * items by key. Returns `next` with its defaults applied, or every problem found.
 */
export function validateClusterUpdate(previous: unknown, next: unknown): ValidationResult {
  const validated = validateCluster(next);
  const old = validateCluster(previous);
  // A stored object that does not validate has nothing trustworthy to compare with.
  if (!validated.ok || !old.ok) return validated;
  const errors = checkTransitions(AtomixClusterSchema, validated.cluster, old.cluster, []);
  return errors.length === 0 ? validated : { ok: false, errors };
}

/**
 * Both values have passed the schema: the rules meet only well-formed values (so, unlike checkRules',
 * they run unguarded), and a node's values are lists or objects exactly when its schema says so.
 */
function checkTransitions(schema: TSchema, value: unknown, old: unknown, path: PathSegment[]): FieldError[] {
  if (value === undefined || old === undefined) return [];
  const here = transitionRulesOf(schema)
    .filter((rule) => !rule.holds(value, old))
    .map((rule) => ({ field: formatPath([...path, ...parseFieldPath(rule.fieldPath)]), message: rule.message }));
  return [...here, ...checkChildTransitions(schema, value, old, path)];
}

/** Objects by property; list-maps item by item of the same key (other lists are not correlated, as in the API server). */
function checkChildTransitions(schema: TSchema, value: unknown, old: unknown, path: PathSegment[]): FieldError[] {
  if (Array.isArray(value)) {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    if (!keys) return [];
    const keyOf = (item: unknown) => JSON.stringify(keys.map((key) => (item as Record<string, unknown>)[key]));
    const stored = new Map((old as unknown[]).map((item) => [keyOf(item), item]));
    return value.flatMap((item, index) => checkTransitions(schema.items as TSchema, item, stored.get(keyOf(item)), [...path, index]));
  }
  if (!schema.properties) return [];
  const properties = schema.properties as Record<string, TSchema>;
  const [next, previous] = [value as Record<string, unknown>, old as Record<string, unknown>];
  return Object.entries(properties).flatMap(([key, child]) => checkTransitions(child, next[key], previous[key], [...path, key]));
}

function checkIdentity(candidate: unknown): FieldError[] {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return [{ field: '', message: 'expected an object (an AtomixCluster manifest)' }];
  }
  const { apiVersion, kind } = candidate as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (apiVersion !== API_VERSION) errors.push({ field: 'apiVersion', message: `must be ${API_VERSION}, got ${JSON.stringify(apiVersion)}` });
  if (kind !== KIND) errors.push({ field: 'kind', message: `must be ${KIND}, got ${JSON.stringify(kind)}` });
  return errors;
}

/** Walks schema and value together, evaluating the rules attached to each schema node. */
function checkRules(schema: TSchema, value: unknown, path: PathSegment[]): FieldError[] {
  if (value === undefined) return [];
  const here = rulesOf(schema)
    .filter((rule) => !holdsOrMalformed(() => rule.holds(value)))
    .map((rule) => ({ field: formatPath([...path, ...parseFieldPath(rule.fieldPath)]), message: rule.message }));
  return [...here, ...checkChildren(schema, value, path)];
}

/** A value too malformed for a rule already has a schema error; the rule adds nothing. */
function holdsOrMalformed(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return true;
  }
}

function checkChildren(schema: TSchema, value: unknown, path: PathSegment[]): FieldError[] {
  if (Array.isArray(value) && schema.items) {
    return value.flatMap((item, index) => checkRules(schema.items as TSchema, item, [...path, index]));
  }
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (schema.properties) {
    const properties = schema.properties as Record<string, TSchema>;
    return Object.entries(properties).flatMap(([key, child]) => checkRules(child, record[key], [...path, key]));
  }
  if (typeof schema.additionalProperties === 'object') {
    const values = schema.additionalProperties as TSchema;
    return Object.entries(record).flatMap(([key, child]) => checkRules(values, child, [...path, { key }]));
  }
  return [];
}

function toFieldError(error: ErrorObject): FieldError {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer);
  switch (error.keyword) {
    case 'additionalProperties':
      return { field: formatPath([...path, String(error.params.additionalProperty)]), message: 'unknown field' };
    case 'required':
      return { field: formatPath([...path, String(error.params.missingProperty)]), message: 'required field is missing' };
    case 'enum':
      return { field: formatPath(path), message: `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      return { field: formatPath(path), message: describePattern(error.params.pattern as string) };
    default:
      return { field: formatPath(path), message: error.message ?? error.keyword };
  }
}

function describePattern(pattern: string): string {
  return PATTERN_MEANINGS[pattern] ?? `must match ${pattern}`;
}

function parseFieldPath(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.split('.').filter(Boolean) : [];
}

function unescapePointer(segment: string): string | number {
  const unescaped = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(unescaped) ? Number(unescaped) : unescaped;
}

/** A property name, a list index, or a map key (shown as requests[cpu], as the API server does). */
type PathSegment = string | number | { key: string };

function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (typeof segment === 'object') return `${text}[${segment.key}]`;
    return text ? `${text}.${segment}` : segment;
  }, '');
}
