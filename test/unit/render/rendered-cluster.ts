// The README example with a spec patch, validated and defaulted as the API server would, and
// the rendered objects read by kind and name: shared by the render table tests.
import assert from 'node:assert/strict';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { validateCluster } from '../../../src/api/validate.js';
import { isKind, type KubeObject } from '../../../src/render/index.js';
import { mergePatch, readManifest } from '../../support/manifests.js';

/** A cluster of every kind of group: management, Raft, log and primary-backup groups and a benchmark. */
export const EVERY_GROUP = {
  version: '3.1.0',
  partitionGroups: [
    { name: 'raft', size: 3, raft: {} },
    { name: 'log', size: 2, log: {} },
    { name: 'pb', size: 2, primaryBackup: {} },
  ],
  benchmark: { size: 2 },
};

export function validCluster(spec: object, metadata: object = { namespace: 'default' }): AtomixCluster {
  const result = validateCluster(mergePatch(readManifest('deploy/crds/atomixcluster_cr.yaml'), { metadata, spec }));
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return result.cluster;
}

type OfKind<K extends KubeObject['kind']> = Extract<KubeObject, { kind: K }>;

export function findObject<K extends KubeObject['kind']>(objects: readonly KubeObject[], kind: K, name: string): OfKind<K> {
  const found = objects.filter(isKind(kind)).find((object) => object.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found;
}
