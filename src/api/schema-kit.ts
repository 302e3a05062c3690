// Building blocks shared by the schema modules (schema.ts, placement.ts).
import { Type } from '@sinclair/typebox';

export const strict = { additionalProperties: false } as const;

export function celList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}

/** Kubernetes' structural schemas have enum but not const, so closed sets are string enums. */
export const stringEnum = <V extends string>(values: readonly V[], options: { description?: string; default?: V } = {}) =>
  Type.Unsafe<V>({ type: 'string', enum: [...values], ...options });

const LABEL_VALUE = '[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
/** A Kubernetes label value, or empty (in nodeSelector, pod labels, tolerations). */
export const LABEL_VALUE_OR_EMPTY_PATTERN = `^(${LABEL_VALUE})?$`;
export const MAX_LABEL_VALUE = 63;
/** A DNS subdomain (RFC 1123): the names of Secrets, ServiceAccounts, PriorityClasses. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const MAX_DNS_SUBDOMAIN = 253;
