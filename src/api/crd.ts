// Generates the CustomResourceDefinition from the schema in schema.ts. The CRD
// YAML in deploy/ is this function's output, never edited by hand.
import type { TSchema } from '@sinclair/typebox';
import { AtomixClusterSpecSchema, AtomixClusterStatusSchema, clusterNameRules } from './schema.js';
import { withRules } from './rules.js';
import { CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './group.js';

/**
 * Structural schemas forbid `additionalProperties: false` (the API server prunes
 * or, with strict field validation, rejects unknown fields itself), and TypeBox
 * marks nodes with symbol keys that are not part of the schema: both go. A field
 * with a default is never missing, and the API server checks that defaults
 * validate, so such fields leave `required` (the TypeScript types keep them).
 */
function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node)
    .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
    .map(([key, value]) => (key === 'required' ? [key, withoutDefaulted(node, value as string[])] : [key, toStructural(value)]))
    .filter(([key, value]) => !(key === 'required' && (value as string[]).length === 0));
  return Object.fromEntries(entries);
}

function withoutDefaulted(node: object, required: string[]): string[] {
  const properties = (node as { properties?: Record<string, { default?: unknown }> }).properties ?? {};
  return required.filter((name) => properties[name]?.default === undefined);
}

function rootSchema(): TSchema {
  return withRules(
    {
      type: 'object',
      required: ['spec'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object', properties: { name: { type: 'string' } } },
        spec: AtomixClusterSpecSchema,
        status: AtomixClusterStatusSchema,
      },
    } as unknown as TSchema,
    clusterNameRules,
  );
}

export function customResourceDefinition() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', description: 'Ready groups out of all groups', jsonPath: '.status.readyGroups' },
            { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
            { name: 'Quorate', type: 'string', description: 'Every Atomix server group takes writes', jsonPath: '.status.conditions[?(@.type=="Quorate")].status' },
            { name: 'Version', type: 'string', jsonPath: '.spec.version' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: toStructural(rootSchema()) },
        },
      ],
    },
  };
}
