// Reading the shipped example manifests the way kubectl would.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixCluster } from '../../src/api/schema.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function readManifest(relativePath: string): Record<string, unknown> {
  return parse(readFileSync(`${repoRoot}/${relativePath}`, 'utf8')) as Record<string, unknown>;
}

/** RFC 7386 JSON merge patch, as `kubectl patch --type=merge` sends it. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The example cluster with a seed patch applied, validated and defaulted. */
export function exampleCluster(patchFile?: string, namespace = 'default'): AtomixCluster {
  const base = readManifest('deploy/crds/atomixcluster_cr.yaml');
  const manifest = patchFile ? mergePatch(base, readManifest(`deploy/crds/${patchFile}`)) : base;
  const result = validateCluster(mergePatch(manifest, { metadata: { namespace } }));
  if (!result.ok) throw new Error(`example does not validate: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}
