// Which objects a cluster may touch (its controller reference, by uid), who holds an object in
// the way, in words, and the latest field manager other than the operator.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject, V1ManagedFieldsEntry, V1OwnerReference } from '@kubernetes/client-node';
import { holderOf, isControlledBy, latestOtherManager, nameConflict } from '../../../src/controller/ownership.js';

const reference = (uid: string, controller: boolean | undefined, name = 'c', kind = 'AtomixCluster'): V1OwnerReference => ({
  apiVersion: 'agent.atomix.io/v1alpha1',
  kind,
  name,
  uid,
  ...(controller === undefined ? {} : { controller }),
});
const owned = (...ownerReferences: V1OwnerReference[]): KubernetesObject => ({ metadata: { name: 'x', ownerReferences } });
const managed = (...entries: V1ManagedFieldsEntry[]): KubernetesObject => ({ metadata: { name: 'x', managedFields: entries } });

describe('isControlledBy', () => {
  const cases: { name: string; object: KubernetesObject; uid: string | undefined; controlled: boolean }[] = [
    { name: 'its controller has the uid', object: owned(reference('u1', true)), uid: 'u1', controlled: true },
    { name: 'the controller is found among other owners', object: owned(reference('u0', false), reference('u1', true)), uid: 'u1', controlled: true },
    { name: 'an owner that is not the controller does not count', object: owned(reference('u1', false)), uid: 'u1', controlled: false },
    { name: 'nor one without the flag', object: owned(reference('u1', undefined)), uid: 'u1', controlled: false },
    { name: 'another uid (a cluster of the same name, re-created)', object: owned(reference('u2', true)), uid: 'u1', controlled: false },
    { name: 'no owners', object: { metadata: { name: 'x' } }, uid: 'u1', controlled: false },
    { name: 'no metadata', object: {}, uid: 'u1', controlled: false },
    { name: 'a cluster without a uid controls nothing', object: owned(reference(undefined as unknown as string, true)), uid: undefined, controlled: false },
  ];
  for (const { name, object, uid, controlled } of cases) {
    test(name, () => {
      assert.equal(isControlledBy(object, uid), controlled);
    });
  }
});

describe('holderOf', () => {
  const cases: { name: string; object: KubernetesObject; holder: string }[] = [
    { name: 'its controller', object: owned(reference('u0', false, 'first', 'Deployment'), reference('u1', true, 'orders')), holder: 'controlled by AtomixCluster orders' },
    {
      name: 'else its field managers, each once, in order',
      object: managed({ manager: 'kubectl-client-side-apply' }, { manager: 'helm' }, { manager: 'kubectl-client-side-apply' }, {}),
      holder: 'managed by "kubectl-client-side-apply", "helm"',
    },
    { name: 'an owner that is not the controller does not hold it', object: { metadata: { ownerReferences: [reference('u0', false)], managedFields: [{ manager: 'helm' }] } }, holder: 'managed by "helm"' },
    { name: 'else, without managers, not this cluster', object: managed({}), holder: 'not controlled by this AtomixCluster' },
    { name: 'nor without metadata', object: {}, holder: 'not controlled by this AtomixCluster' },
  ];
  for (const { name, object, holder } of cases) {
    test(name, () => {
      assert.equal(holderOf(object), holder);
    });
  }
});

test('a name conflict says what holds the name and what the operator does about it, and waits (terminal)', () => {
  assert.deepEqual(nameConflict('Service', 'c-hs', 'managed by "helm"'), {
    reason: 'NameConflict',
    message: 'Service c-hs already exists, managed by "helm"; the operator leaves it alone and takes the name once it is gone (or rename the cluster or group)',
    terminal: true,
  });
});

describe('latestOtherManager', () => {
  const entry = (manager: string | undefined, time?: string): V1ManagedFieldsEntry => ({
    ...(manager === undefined ? {} : { manager }),
    ...(time === undefined ? {} : { time: time as unknown as Date }),
  });
  const cases: { name: string; entries: V1ManagedFieldsEntry[]; manager: string | undefined }[] = [
    { name: 'the most recent other manager', entries: [entry('a', '2026-12-01T10:00:00Z'), entry('b', '2026-12-01T11:00:00Z'), entry('c', '2026-12-01T09:00:00Z')], manager: 'b' },
    { name: 'never the operator itself', entries: [entry('a', '2026-12-01T10:00:00Z'), entry('atomix-operator', '2026-12-01T11:00:00Z')], manager: 'a' },
    { name: 'an entry without a time is the oldest', entries: [entry('a'), entry('b', '1970-01-01T00:00:01Z')], manager: 'b' },
    { name: 'the first of those without times', entries: [entry('a'), entry('b')], manager: 'a' },
    { name: 'entries without a manager are skipped', entries: [entry(undefined, '2026-12-01T11:00:00Z'), entry('a', '2026-12-01T10:00:00Z')], manager: 'a' },
    { name: 'none when only the operator wrote it', entries: [entry('atomix-operator', '2026-12-01T11:00:00Z')], manager: undefined },
    { name: 'none without entries', entries: [], manager: undefined },
  ];
  for (const { name, entries, manager } of cases) {
    test(name, () => {
      assert.equal(latestOtherManager(managed(...entries), 'atomix-operator'), manager);
    });
  }

  test('none without metadata', () => {
    assert.equal(latestOtherManager({}, 'atomix-operator'), undefined);
  });
});
