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

const RULES = Symbol('atomix.rules');

type WithRules<S extends TSchema> = S & { [RULES]: Rule[] };

/** Attaches rules to a schema node, emitting them as x-kubernetes-validations. */
export function withRules<S extends TSchema, T>(schema: S, rules: Rule<T>[]): S {
  const annotated = schema as WithRules<S>;
  annotated[RULES] = rules as Rule[];
  (annotated as Record<string, unknown>)['x-kubernetes-validations'] = rules.map((rule) => ({
    rule: rule.cel,
    message: rule.message,
    ...(rule.fieldPath ? { fieldPath: rule.fieldPath } : {}),
  }));
  return schema;
}

export function rulesOf(schema: TSchema): Rule[] {
  return (schema as Partial<WithRules<TSchema>>)[RULES] ?? [];
}
