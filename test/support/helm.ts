// The real helm 3 (scripts/install-helm.sh builds it from the Go module proxy once, then answers
// from its cache) run on charts/atomix-operator, and the objects it renders.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { install, scriptPath } from '../../src/local/install-script.js';
import { repoRoot } from './manifests.js';

export const CHART = `${repoRoot}/charts/atomix-operator`;

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

let binary: Promise<string> | undefined;
// Helm's configuration, cache and data of this test process only: no user's repositories or plugins.
const home = mkdtempSync(join(tmpdir(), 'atomix-helm-'));
after(() => rmSync(home, { recursive: true, force: true }));

function helmBinary(): Promise<string> {
  binary ??= install(scriptPath('install-helm.sh'), [], (line) => process.stderr.write(`${line}\n`));
  return binary;
}

/** Runs helm; a non-zero exit is a result, not an error. */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const program = await helmBinary();
  const env = { ...process.env, HELM_CONFIG_HOME: `${home}/config`, HELM_CACHE_HOME: `${home}/cache`, HELM_DATA_HOME: `${home}/data` };
  const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs helm and returns its stdout; fails with its stderr. */
export async function helmOk(args: readonly string[]): Promise<string> {
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited with ${String(result.code)}: ${result.stderr}`);
  return result.stdout;
}

/** `--values FILE` for a set of values (JSON is YAML). */
export function valuesArgs(values: object): string[] {
  const file = join(mkdtempSync(join(home, 'values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return ['--values', file];
}

/** The objects `helm template` renders for the chart with these values. */
export async function helmTemplate(release: string, namespace: string, values: object = {}, extraArgs: readonly string[] = []): Promise<RenderedObject[]> {
  const stdout = await helmOk(['template', release, CHART, '--namespace', namespace, ...valuesArgs(values), ...extraArgs]);
  return parseAllDocuments(stdout)
    .map((document) => document.toJS() as RenderedObject | null)
    .filter((object): object is RenderedObject => object !== null);
}
