import { stringify } from 'yaml';

/** Multi-document YAML, one document per object, in the given order. */
export function toYamlDocuments(objects: readonly object[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}
