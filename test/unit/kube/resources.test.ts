import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf, collectionPath, objectPath, resources } from '../../../src/kube/resources.js';

test('paths for core, grouped and cluster-scoped resources', () => {
  assert.equal(collectionPath(resources.services, 'ns'), '/api/v1/namespaces/ns/services');
  assert.equal(collectionPath(resources.statefulSets), '/apis/apps/v1/statefulsets');
  assert.equal(objectPath(resources.podDisruptionBudgets, 'ns', 'p'), '/apis/policy/v1/namespaces/ns/poddisruptionbudgets/p');
  assert.equal(objectPath(resources.namespaces, 'ignored', 'ns'), '/api/v1/namespaces/ns');
  assert.throws(() => objectPath(resources.pods, undefined, 'p'), /namespace is required/);
});

test('apiVersion of core and grouped resources', () => {
  assert.equal(apiVersionOf(resources.configMaps), 'v1');
  assert.equal(apiVersionOf(resources.ingresses), 'networking.k8s.io/v1');
});
