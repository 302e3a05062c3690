// The controller's own check of changes admission refuses, for clusters whose spec reached it
// anyway (stored before the rules, or around them): the running objects are rendered from the
// previous spec, as the operator applied them, and the new spec is judged against them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { validateCluster } from '../../../src/api/validate.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { renderCluster, type KubeObject } from '../../../src/render/index.js';
import { withAppliedHash } from '../../../src/kube/hash.js';
import { refusedChangeProblem, type RunningObjects } from '../../../src/controller/refused-changes.js';
import { mergePatch } from '../../support/manifests.js';
import { seedManifest } from '../../support/change-cases.js';

type Spec = AtomixCluster['spec'];

function cluster(patch: object = {}): AtomixCluster {
  const validated = validateCluster(mergePatch({ ...seedManifest(), metadata: { name: 'c', namespace: 'n', uid: 'u' } }, { spec: { version: '3.1.5', ...patch } }));
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  return validated.cluster;
}

/** What the operator applied for `running` (each object stamped with its hash), and its pods on that version. */
function runningObjects(running: AtomixCluster, edit: (objects: KubeObject[]) => void = () => undefined): RunningObjects {
  const objects: KubeObject[] = renderCluster(running).map((object) => withAppliedHash(object));
  edit(objects);
  const pods: V1Pod[] = ['c-management-0', 'c-raft-0'].map((name) => ({ metadata: { name, labels: { 'app.kubernetes.io/version': running.spec.version } } }));
  return {
    live: (kind, name) => objects.find((object) => object.kind === kind && object.metadata.name === name),
    pods,
  };
}

const raft = (spec: Spec) => spec.partitionGroups?.[0] as NonNullable<Spec['partitionGroups']>[number];

function refusal(before: AtomixCluster, change: (spec: Spec) => void, edit?: (objects: KubeObject[]) => void): string | undefined {
  const after = structuredClone(before);
  change(after.spec);
  return refusedChangeProblem(after, renderCluster(after), runningObjects(before, edit))?.message;
}

describe('changes admission refuses, found against what the cluster runs', () => {
  const before = cluster();

  const refused: [string, (spec: Spec) => void, RegExp][] = [
    ['raft size 3 -> 5 (from the StatefulSet)', (s) => (raft(s).size = 5), /spec\.partitionGroups\[0\]\.size: the size of an existing partition group cannot change/],
    ['raft partitions 3 -> 5 (from the configuration)', (s) => (raft(s).partitions = 5), /spec\.partitionGroups\[0\]\.partitions: the partitions of an existing partition group cannot change/],
    ['raft partitionSize 3 -> 2 (from the configuration)', (s) => ((raft(s).raft as { partitionSize: number }).partitionSize = 2), /spec\.partitionGroups\[0\]\.raft\.partitionSize: /],
    ['management size 1 -> 3', (s) => (s.managementGroup.size = 3), /spec\.managementGroup\.size: the size of the management group cannot change/],
    ['version 3.1.5 -> 3.1.6, rolling (from the pods)', (s) => (s.version = '3.1.6'), /spec\.version: the version cannot change between 3\.1\.0–3\.1\.5 and 3\.1\.6/],
  ];
  for (const [name, change, expected] of refused) {
    test(`${name}: ChangeRefused, naming the field`, () => {
      const message = refusal(before, change);
      assert.match(message ?? 'accepted', expected);
      assert.match(message ?? '', /nothing is changed until the spec is restored/);
    });
  }

  test('accepted: no change, a change admission allows, FullRestart across the line, and drift the spec did not cause', () => {
    assert.equal(refusal(before, () => undefined), undefined);
    assert.equal(refusal(before, (s) => (raft(s).env = [{ name: 'A', value: '1' }])), undefined);
    assert.equal(refusal(before, (s) => (s.version = '3.1.4')), undefined);
    assert.equal(refusal(before, (s) => Object.assign(s, { version: '3.1.12', updateStrategy: 'FullRestart' })), undefined);
    // A StatefulSet scaled by hand keeps the stamp of the unchanged spec: drift, restored by the sync.
    const scaledByHand = (objects: KubeObject[]) => {
      const set = objects.find((object) => object.kind === 'StatefulSet' && object.metadata.name === 'c-raft') as { spec: { replicas: number } } | undefined;
      assert.ok(set);
      set.spec.replicas = 5;
    };
    assert.equal(refusal(before, () => undefined, scaledByHand), undefined);
    // A configuration edited into something else than the operator's JSON says nothing about partitions.
    const garbled = (objects: KubeObject[]) => {
      const map = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'c-raft-config') as { data: Record<string, string> } | undefined;
      assert.ok(map);
      map.data['atomix.conf'] = '{"edit": 1';
    };
    assert.equal(refusal(before, (s) => (raft(s).env = [{ name: 'A', value: '1' }]), garbled), undefined);
  });
});
