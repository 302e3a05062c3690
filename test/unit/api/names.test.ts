// The names the operator gives its objects, and the length limits they imply for users' names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CLUSTER_AND_GROUP_NAME, MAX_CLUSTER_NAME, MAX_CLUSTER_NAME_WITH_BENCHMARK, names, serviceFqdn } from '../../../src/api/names.js';
import { versionRange } from '../../../src/api/versions.js';
import { partitionsOf } from '../../../src/api/defaults.js';

describe('object names', () => {
  test('every object of cluster "c" and group "g"', () => {
    assert.deepEqual(
      {
        discoveryService: names.discoveryService('c'),
        managementStatefulSet: names.managementStatefulSet('c'),
        managementConfigMap: names.managementConfigMap('c'),
        groupStatefulSet: names.groupStatefulSet('c', 'g'),
        groupService: names.groupService('c', 'g'),
        groupConfigMap: names.groupConfigMap('c', 'g'),
        benchService: names.benchService('c'),
        benchWorkers: names.benchWorkers('c'),
        benchCoordinator: names.benchCoordinator('c'),
        benchConfigMap: names.benchConfigMap('c'),
        benchIngress: names.benchIngress('c'),
        podName: names.podName('c-g', 2),
      },
      {
        discoveryService: 'c-service',
        managementStatefulSet: 'c-management',
        managementConfigMap: 'c-management-config',
        groupStatefulSet: 'c-g',
        groupService: 'c-g',
        groupConfigMap: 'c-g-config',
        benchService: 'c-bench',
        benchWorkers: 'c-bench-worker',
        benchCoordinator: 'c-bench-coordinator',
        benchConfigMap: 'c-bench-config',
        benchIngress: 'c-bench',
        podName: 'c-g-2',
      },
    );
  });

  test('a Service\'s DNS name is fully qualified', () => {
    assert.equal(serviceFqdn('c-service', 'prod', 'cluster.local'), 'c-service.prod.svc.cluster.local');
  });

  test('the longest names allowed make StatefulSet names of exactly 52 characters', () => {
    assert.equal(names.managementStatefulSet('a'.repeat(MAX_CLUSTER_NAME)).length, 52);
    assert.equal(names.benchCoordinator('a'.repeat(MAX_CLUSTER_NAME_WITH_BENCHMARK)).length, 52);
    assert.equal(names.groupStatefulSet('a'.repeat(MAX_CLUSTER_AND_GROUP_NAME - 1), 'g').length, 52);
  });
});

describe('small helpers of the API', () => {
  test('a version range names its first and last release', () => {
    assert.equal(versionRange(['3.1.0', '3.1.1', '3.1.5']), '3.1.0–3.1.5');
    assert.equal(versionRange(['3.1.7']), '3.1.7–3.1.7');
    assert.equal(versionRange([]), '–');
  });

  test('partitions default to the group size', () => {
    assert.equal(partitionsOf({ size: 3 }), 3);
    assert.equal(partitionsOf({ size: 3, partitions: 7 }), 7);
  });
});
