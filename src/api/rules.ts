// A validation rule written once and enforced twice: as a CEL expression by the
// API server (x-kubernetes-validations in the generated CRD) and as a JavaScript
// predicate by the CLI, which has no API server. Both sides share the message, and
// the integration tests check that the API server answers with it.
import type { TSchema } from '@sinclair/typebox';

export interface Rule<T = unknown> {
  /** The CEL expression the API server evaluates with `self` bound to the value. */
  readonly cel: string;
  /** What the user reads when the rule fails. */
  readonly message: string;
  /** Relative JSON path (".spec.partitionGroups") of the field to blame, if not the node itself. */
  readonly fieldPath?: string;
  /** The same rule in JavaScript; `self` is the value at the schema node. */
  readonly holds: (self: T) => boolean;
}

/**
 * A rule about a change: CEL with `self` and `oldSelf` (a transition rule), which the API server
 * evaluates on updates only, where the old value exists (in a list-map, the item of the same key).
 */
export interface TransitionRule<T = unknown> extends Omit<Rule<T>, 'holds'> {
  /** The same rule in JavaScript; `self` is the new value, `oldSelf` the stored one. */
  readonly holds: (self: T, oldSelf: T) => boolean;
}

const RULES = Symbol('atomix.rules');
const TRANSITION_RULES = Symbol('atomix.transitionRules');

interface Annotated {
  [RULES]?: Rule[];
  [TRANSITION_RULES]?: TransitionRule[];
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string }[];
}

function emit(schema: TSchema, rules: readonly Omit<Rule, 'holds'>[]): void {
  const annotated = schema as Annotated;
  annotated['x-kubernetes-validations'] = [
    ...(annotated['x-kubernetes-validations'] ?? []),
    ...rules.map((rule) => ({ rule: rule.cel, message: rule.message, ...(rule.fieldPath ? { fieldPath: rule.fieldPath } : {}) })),
  ];
}

/** Attaches rules to a schema node, emitting them as x-kubernetes-validations. */
export function withRules<S extends TSchema, T>(schema: S, rules: Rule<T>[]): S {
  (schema as Annotated)[RULES] = [...rulesOf(schema), ...(rules as Rule[])];
  emit(schema, rules);
  return schema;
}

/** Attaches transition rules to a schema node, emitted beside its other rules. */
export function withTransitionRules<S extends TSchema, T>(schema: S, rules: TransitionRule<T>[]): S {
  (schema as Annotated)[TRANSITION_RULES] = [...transitionRulesOf(schema), ...(rules as TransitionRule[])];
  emit(schema, rules);
  return schema;
}

export function rulesOf(schema: TSchema): Rule[] {
  return (schema as Annotated)[RULES] ?? [];
}

export function transitionRulesOf(schema: TSchema): TransitionRule[] {
  return (schema as Annotated)[TRANSITION_RULES] ?? [];
}
