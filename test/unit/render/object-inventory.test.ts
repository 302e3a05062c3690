// What a cluster of every kind of group renders to: each object with its apiVersion, in the
// order the controller applies them (a group's ConfigMap before its StatefulSet), its namespace
// and the labels of its group; a pod's labels and its StatefulSet's selector.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { SERVER_PODS } from '../../../src/render/labels.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

const objects = renderCluster(validCluster(EVERY_GROUP));

describe('the objects of a cluster', () => {
  test('each kind under the apiVersion the API server serves it, in apply order', () => {
    const groupObjects = (group: string) => [
      `v1 ConfigMap/example-atomixcluster-${group}-config`,
      `apps/v1 StatefulSet/example-atomixcluster-${group}`,
      `policy/v1 PodDisruptionBudget/example-atomixcluster-${group}`,
    ];
    assert.deepEqual(
      objects.map((object) => `${object.apiVersion} ${object.kind}/${object.metadata.name}`),
      [
        'v1 Service/example-atomixcluster-service',
        ...groupObjects('management'),
        ...['raft', 'log', 'pb'].flatMap((group) => [...groupObjects(group), `v1 Service/example-atomixcluster-${group}`]),
        'v1 ConfigMap/example-atomixcluster-bench-config',
        'v1 Service/example-atomixcluster-bench',
        'apps/v1 StatefulSet/example-atomixcluster-bench-worker',
        'apps/v1 StatefulSet/example-atomixcluster-bench-coordinator',
        'v1 Service/example-atomixcluster-bench-coordinator',
        'networking.k8s.io/v1 Ingress/example-atomixcluster-bench',
      ],
    );
  });

  test('every object is in the cluster\'s namespace; a cluster without one is in "default"', () => {
    const inProd = renderCluster(validCluster(EVERY_GROUP, { namespace: 'prod' }));
    assert.deepEqual([...new Set(inProd.map((object) => object.metadata.namespace))], ['prod']);
    const cluster = validCluster(EVERY_GROUP);
    const { namespace: _, ...withoutNamespace } = cluster.metadata;
    const unplaced = renderCluster({ ...cluster, metadata: withoutNamespace });
    assert.deepEqual([...new Set(unplaced.map((object) => object.metadata.namespace))], ['default']);
  });
});

const CLUSTER_LABELS = {
  app: 'example-atomixcluster',
  'app.kubernetes.io/name': 'atomix',
  'app.kubernetes.io/instance': 'example-atomixcluster',
  'app.kubernetes.io/managed-by': 'atomix-operator',
};

/** The labels of each group's objects and pods, beside the cluster's: selector labels, component and node kind. */
const GROUP_LABELS: readonly (readonly [statefulSet: string, selector: Record<string, string>, component: string, node: string])[] = [
  ['example-atomixcluster-management', { type: 'managment' }, 'management-group', 'server'],
  ['example-atomixcluster-raft', { type: 'group', group: 'raft' }, 'partition-group', 'server'],
  ['example-atomixcluster-log', { type: 'group', group: 'log' }, 'partition-group', 'server'],
  ['example-atomixcluster-pb', { type: 'group', group: 'pb' }, 'partition-group', 'server'],
  ['example-atomixcluster-bench-worker', { type: 'benchmark-worker' }, 'benchmark-worker', 'bench'],
  ['example-atomixcluster-bench-coordinator', { type: 'benchmark-coordinator' }, 'benchmark-coordinator', 'bench'],
];

describe('labels', () => {
  const statefulSets = objects.filter(isKind('StatefulSet'));

  for (const [name, selector, component, node] of GROUP_LABELS) {
    test(`${name}: ${component} labels on the StatefulSet and its pods; the selector is the stable part`, () => {
      const sts = statefulSets.find((object) => object.metadata.name === name);
      assert.ok(sts?.spec);
      const expected = {
        ...CLUSTER_LABELS,
        ...selector,
        'app.kubernetes.io/component': component,
        'app.kubernetes.io/version': '3.1.0',
        'agent.atomix.io/node': node,
      };
      assert.deepEqual(sts.metadata.labels, expected);
      assert.deepEqual(sts.spec.template.metadata?.labels, expected);
      assert.deepEqual(sts.spec.selector.matchLabels, { app: 'example-atomixcluster', ...selector });
    });
  }

  test('objects shared by several groups (the discovery and benchmark Services, the benchmark ConfigMap) carry the cluster\'s labels only', () => {
    for (const name of ['example-atomixcluster-service', 'example-atomixcluster-bench', 'example-atomixcluster-bench-config']) {
      const object = objects.find((candidate) => candidate.metadata.name === name && candidate.kind !== 'Ingress');
      assert.deepEqual(object?.metadata.labels, CLUSTER_LABELS, name);
    }
  });

  test('the version label follows spec.version; no selector includes it', () => {
    const upgraded = renderCluster(validCluster({ ...EVERY_GROUP, version: '3.1.5' })).filter(isKind('StatefulSet'));
    for (const sts of upgraded) {
      assert.equal(sts.metadata.labels['app.kubernetes.io/version'], '3.1.5');
      const before = statefulSets.find((object) => object.metadata.name === sts.metadata.name);
      assert.deepEqual(sts.spec?.selector, before?.spec?.selector);
    }
  });

  test('the operator\'s server-pod selector matches the pods of every Atomix server group and no benchmark pod', () => {
    const selected = statefulSets
      .filter((sts) => Object.entries(SERVER_PODS).every(([key, value]) => sts.spec?.template.metadata?.labels?.[key] === value))
      .map((sts) => sts.metadata.name);
    assert.deepEqual(selected, GROUP_LABELS.filter(([, , , node]) => node === 'server').map(([name]) => name));
  });
});
