// Reading AtomixCluster manifests from files or stdin, with every problem named.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { validateCluster, validateClusterUpdate, type FieldError } from '../api/validate.js';
import type { AtomixCluster } from '../api/schema.js';

export interface ManifestProblem {
  readonly document: number;
  readonly errors: readonly FieldError[];
}

type ParsedManifests =
  | { readonly ok: true; readonly clusters: AtomixCluster[] }
  | { readonly ok: false; readonly problems: ManifestProblem[] };

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses every YAML document as an AtomixCluster; empty documents are skipped. */
function parseClusters(text: string): ParsedManifests {
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

/**
 * The clusters of `file`, valid on their own and, given `previousFile` (the same clusters as
 * stored now), as changes the API server would take; else the problems and the file they are in.
 */
export async function readClusters(file: string, previousFile?: string): Promise<{ ok: true; clusters: AtomixCluster[] } | { ok: false; source: string; problems: ManifestProblem[] }> {
  const parsed = parseClusters(await readInput(file));
  if (!parsed.ok) return { ok: false, source: file, problems: parsed.problems };
  if (previousFile === undefined) return parsed;
  const previous = parseClusters(await readInput(previousFile));
  if (!previous.ok) return { ok: false, source: previousFile, problems: previous.problems };
  const refused = refusedChanges(previous.clusters, parsed.clusters);
  return refused.length > 0 ? { ok: false, source: file, problems: refused } : parsed;
}

/**
 * The changes from `previous` (the clusters as stored now, matched by namespace and name) that
 * the API server's transition rules refuse: what Atomix 3.1 cannot take in place. A cluster
 * with no previous version is new, and any spec is a valid start.
 */
function refusedChanges(previous: readonly AtomixCluster[], clusters: readonly AtomixCluster[]): ManifestProblem[] {
  const identity = (cluster: AtomixCluster) => `${cluster.metadata.namespace ?? ''}/${cluster.metadata.name}`;
  const stored = new Map(previous.map((cluster) => [identity(cluster), cluster]));
  return clusters.flatMap((cluster, index) => {
    const before = stored.get(identity(cluster));
    const verdict = before ? validateClusterUpdate(before, cluster) : undefined;
    return verdict && !verdict.ok ? [{ document: index + 1, errors: verdict.errors }] : [];
  });
}
