// What the operator watches and whom a watched object wakes: the label selectors of its
// caches, the cluster a server pod belongs to, and the AtomixCluster that controls an object.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { controllingClusterKey, OWNED_KINDS, OWNED_SELECTOR, ownedKind, podClusterKey, SERVER_POD_SELECTOR } from '../../../src/controller/owned-kinds.js';

describe('the caches of owned objects', () => {
  test('watch the five kinds the renderer makes, by their REST names', () => {
    assert.deepEqual(
      OWNED_KINDS.map((kind) => `${kind.group || 'core'}/${kind.version} ${kind.plural}`),
      ['core/v1 services', 'core/v1 configmaps', 'apps/v1 statefulsets', 'policy/v1 poddisruptionbudgets', 'networking.k8s.io/v1 ingresses'],
    );
  });

  test('hold only objects labelled as the operator’s, and only its server pods', () => {
    assert.equal(OWNED_SELECTOR, 'app.kubernetes.io/managed-by=atomix-operator');
    assert.equal(SERVER_POD_SELECTOR, 'app.kubernetes.io/managed-by=atomix-operator,agent.atomix.io/node=server');
  });

  test('give the resource of an owned kind, and name a kind the operator does not own', () => {
    assert.equal(ownedKind('StatefulSet').plural, 'statefulsets');
    assert.equal(ownedKind('Ingress').group, 'networking.k8s.io');
    assert.throws(() => ownedKind('Secret'), { message: 'the operator does not own objects of kind Secret' });
  });
});

describe('the cluster a server pod wakes', () => {
  const cases: { name: string; metadata: KubernetesObject['metadata']; key: string | undefined }[] = [
    { name: 'its namespace and the cluster in its app label', metadata: { namespace: 'prod', labels: { app: 'orders' } }, key: 'prod/orders' },
    { name: 'none without an app label', metadata: { namespace: 'prod', labels: { other: 'orders' } }, key: undefined },
    { name: 'none with an empty app label', metadata: { namespace: 'prod', labels: { app: '' } }, key: undefined },
    { name: 'none without labels', metadata: { namespace: 'prod' }, key: undefined },
    { name: 'none without a namespace', metadata: { labels: { app: 'orders' } }, key: undefined },
    { name: 'none without metadata', metadata: undefined, key: undefined },
  ];
  for (const { name, metadata, key } of cases) {
    test(name, () => {
      assert.equal(podClusterKey(metadata ? { metadata } : {}), key);
    });
  }
});

describe('the AtomixCluster that controls an object', () => {
  const owner = (extra: Partial<V1OwnerReference>): V1OwnerReference => ({
    apiVersion: 'agent.atomix.io/v1alpha1',
    kind: 'AtomixCluster',
    name: 'orders',
    uid: 'u-1',
    controller: true,
    ...extra,
  });
  const cases: { name: string; references: V1OwnerReference[]; namespace?: string; key: string | undefined }[] = [
    { name: 'its controller owner, in the object’s namespace', references: [owner({})], key: 'prod/orders' },
    { name: 'a later reference when it is the controller', references: [owner({ controller: false, name: 'other' }), owner({})], key: 'prod/orders' },
    { name: 'none for an owner that is not the controller', references: [owner({ controller: false })], key: undefined },
    { name: 'none for a controller owner without the controller flag', references: [owner({ controller: undefined })], key: undefined },
    { name: 'none for a controller of another kind', references: [owner({ kind: 'StatefulSet' })], key: undefined },
    { name: 'none for an AtomixCluster of another API group', references: [owner({ apiVersion: 'example.com/v1' })], key: undefined },
    { name: 'none for a group that only starts like the operator’s', references: [owner({ apiVersion: 'agent.atomix.io.example.com/v1' })], key: undefined },
    { name: 'a controller of another version of the group', references: [owner({ apiVersion: 'agent.atomix.io/v1beta1' })], key: 'prod/orders' },
    { name: 'none without a namespace', references: [owner({})], namespace: '', key: undefined },
    { name: 'none without owner references', references: [], key: undefined },
  ];
  for (const { name, references, namespace = 'prod', key } of cases) {
    test(name, () => {
      assert.equal(controllingClusterKey({ metadata: { name: 'orders-raft', ...(namespace ? { namespace } : {}), ownerReferences: references } }), key);
    });
  }

  test('none for an object without metadata', () => {
    assert.equal(controllingClusterKey({ kind: 'ConfigMap' }), undefined);
  });
});
