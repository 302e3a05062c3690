// Reading AtomixCluster manifests from files or stdin, with every problem named.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { validateCluster, type FieldError } from '../api/validate.js';
import type { AtomixCluster } from '../api/schema.js';

export interface ManifestProblem {
  readonly document: number;
  readonly errors: readonly FieldError[];
}

export type ParsedManifests =
  | { readonly ok: true; readonly clusters: AtomixCluster[] }
  | { readonly ok: false; readonly problems: ManifestProblem[] };

export async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses every YAML document as an AtomixCluster; empty documents are skipped. */
export function parseClusters(text: string): ParsedManifests {
  const clusters: AtomixCluster[] = [];
  const problems: ManifestProblem[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    if (document.errors.length > 0) {
      problems.push({ document: index + 1, errors: document.errors.map((error) => ({ field: '', message: `invalid YAML: ${error.message}` })) });
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    const result = validateCluster(value);
    if (result.ok) clusters.push(result.cluster);
    else problems.push({ document: index + 1, errors: result.errors });
  });
  if (problems.length === 0 && clusters.length === 0) {
    problems.push({ document: 1, errors: [{ field: '', message: 'no AtomixCluster found in the input' }] });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, clusters };
}

export function formatProblems(source: string, problems: readonly ManifestProblem[]): string {
  return problems
    .flatMap(({ document, errors }) =>
      errors.map((error) => `${source} (document ${document}): ${error.field ? `${error.field}: ` : ''}${error.message}`),
    )
    .join('\n');
}
