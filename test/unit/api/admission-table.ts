// The shape of the admission table tests: a spec patch on the README example, and what
// validateCluster answers for it, as field -> messages (empty when the cluster is accepted).
import { validateCluster } from '../../../src/api/validate.js';
import { mergePatch, readManifest } from '../../support/manifests.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');

/** The README example with a merge patch applied to the whole manifest. */
export const manifest = (patch: object): unknown => mergePatch(example, patch);

/** Every error validateCluster reports for the example with this spec patch, by field. */
export function refusals(spec: object, metadata: object = {}): Record<string, string[]> {
  const result = validateCluster(manifest({ metadata, spec }));
  if (result.ok) return {};
  const byField: Record<string, string[]> = {};
  for (const { field, message } of result.errors) (byField[field] ??= []).push(message);
  return byField;
}

export interface AdmissionCase {
  readonly name: string;
  readonly spec: object;
  readonly metadata?: object;
  /** Field -> its messages, exactly; empty: accepted. */
  readonly refused: Readonly<Record<string, readonly string[]>>;
}

export const verdict = (refused: Readonly<Record<string, unknown>>) =>
  Object.keys(refused).length === 0 ? 'accepted' : `refused at ${Object.keys(refused).join(', ')}`;
