// The metadata of every rendered object, field by field: a cluster read from a file (no uid)
// gives objects without an ownerReferences field at all, one read from the API server objects
// its garbage collector deletes with the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCluster } from '../../../src/render/index.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

const cluster = validCluster(EVERY_GROUP, { namespace: 'prod' });

test('from a file: name, namespace and labels, and no ownerReferences field', () => {
  for (const object of renderCluster(cluster)) {
    assert.deepEqual(Object.keys(object.metadata), ['name', 'namespace', 'labels'], `${object.kind}/${object.metadata.name}`);
  }
});

test('from the API server: every object is controlled by the cluster and blocks its deletion until collected', () => {
  const stored = { ...cluster, metadata: { ...cluster.metadata, uid: 'c0ffee' } };
  for (const object of renderCluster(stored)) {
    assert.deepEqual(Object.keys(object.metadata), ['name', 'namespace', 'labels', 'ownerReferences']);
    assert.deepEqual(object.metadata.ownerReferences, [
      { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'example-atomixcluster', uid: 'c0ffee', controller: true, blockOwnerDeletion: true },
    ]);
  }
});
