// What the running objects say back to the check of refused changes: the problem in full, the
// partition size as the configuration caps it, configurations that say nothing, and the version
// of each member pod.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { validateCluster } from '../../../src/api/validate.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { renderCluster, type KubeObject } from '../../../src/render/index.js';
import { withAppliedHash } from '../../../src/kube/hash.js';
import { refusedChangeProblem } from '../../../src/controller/refused-changes.js';
import { mergePatch } from '../../support/manifests.js';
import { seedManifest } from '../../support/change-cases.js';

type Spec = AtomixCluster['spec'];
type Group = NonNullable<Spec['partitionGroups']>[number];

const PREFIX =
  'the spec asks for changes admission refuses, compared with what the cluster runs (stored before the rule existed, or admitted around it); ' +
  'nothing is changed until the spec is restored or does what the refusal says: ';

const before = (() => {
  const validated = validateCluster(mergePatch({ ...seedManifest(), metadata: { name: 'c', namespace: 'n', uid: 'u' } }, { spec: { version: '3.1.5' } }));
  assert.ok(validated.ok);
  return validated.cluster;
})();

const raft = (spec: Spec): Group => spec.partitionGroups?.[0] ?? assert.fail('the seed has a partition group');

/** The objects the operator applied for `before`, edited by `edit`. */
function applied(edit: (objects: KubeObject[]) => void = () => undefined): KubeObject[] {
  const objects = renderCluster(before).map((object) => withAppliedHash(object));
  edit(objects);
  return objects;
}

/** The raft group's running configuration, to edit. */
function raftConfig(objects: KubeObject[]): Record<string, string> {
  const map = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'c-raft-config') as { data?: Record<string, string> } | undefined;
  return map?.data ?? assert.fail('the raft group has its configuration');
}

const pod = (name: string, version: string | undefined): V1Pod => ({ metadata: { name, labels: version ? { 'app.kubernetes.io/version': version } : {} } });

function problem(change: (spec: Spec) => void, objects = applied(), pods: V1Pod[] = [pod('c-raft-0', '3.1.5')]) {
  const after = structuredClone(before);
  change(after.spec);
  return refusedChangeProblem(after, renderCluster(after), { live: (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name), pods });
}

test('a refused change is ChangeRefused, terminal, with every refusal by its field', () => {
  const found = problem((spec) => {
    raft(spec).size = 5;
    raft(spec).partitions = 7;
  });
  assert.equal(found?.reason, 'ChangeRefused');
  assert.equal(found.terminal, true);
  assert.ok(found.message.startsWith(`${PREFIX}spec.partitionGroups[0].size: the size of an existing partition group cannot change`), found.message);
  assert.match(found.message, /migrate the data to it; spec\.partitionGroups\[0\]\.partitions: the partitions of an existing partition group cannot change/);
});

describe('the partition size', () => {
  test('one above the group’s size renders as the size: nothing changes, nothing is refused', () => {
    assert.equal(problem((spec) => void ((raft(spec).raft ?? assert.fail('raft')).partitionSize = 5)), undefined);
  });

  test('one below it is refused, read back from the configuration', () => {
    assert.match(problem((spec) => void ((raft(spec).raft ?? assert.fail('raft')).partitionSize = 2))?.message ?? 'accepted', /spec\.partitionGroups\[0\]\.raft\.partitionSize: /);
  });

  test('a configuration without members caps it at the group’s size', () => {
    const objects = applied((list) => {
      const data = raftConfig(list);
      const config = JSON.parse(data['atomix.conf'] ?? '{}') as { partitionGroups: Record<string, { members?: unknown }> };
      delete config.partitionGroups['raft']?.members;
      data['atomix.conf'] = JSON.stringify(config);
    });
    assert.match(problem((spec) => void ((raft(spec).raft ?? assert.fail('raft')).partitionSize = 2), objects)?.message ?? 'accepted', /partitionSize/);
  });
});

describe('configurations that say nothing', () => {
  const partitionsChanged = (spec: Spec) => {
    raft(spec).partitions = 5;
    raft(spec).env = [{ name: 'A', value: '1' }];
  };
  const cases: { name: string; edit: (data: Record<string, string>) => void }[] = [
    { name: 'no Atomix configuration in the ConfigMap', edit: (data) => { delete data['atomix.conf']; } },
    { name: 'a configuration without the group', edit: (data) => (data['atomix.conf'] = JSON.stringify({ partitionGroups: {} })) },
    { name: 'a configuration without partition groups', edit: (data) => (data['atomix.conf'] = JSON.stringify({ cluster: {} })) },
    { name: 'partitions that are no number', edit: (data) => (data['atomix.conf'] = JSON.stringify({ partitionGroups: { raft: { partitions: '3', partitionSize: '3' } } })) },
  ];
  for (const { name, edit } of cases) {
    test(`${name}: the spec's partitions stand`, () => {
      assert.equal(problem(partitionsChanged, applied((list) => edit(raftConfig(list)))), undefined);
    });
  }

  test('the partitions the configuration has are what the cluster runs', () => {
    assert.match(problem(partitionsChanged)?.message ?? 'accepted', /partitions: the partitions of an existing partition group cannot change/);
  });
});

describe('sizes from the StatefulSets', () => {
  test('a group without its StatefulSet (not created yet) takes the spec’s size', () => {
    const objects = applied((list) => list.splice(list.findIndex((o) => o.kind === 'StatefulSet' && o.metadata.name === 'c-raft'), 1));
    assert.equal(problem((spec) => void (raft(spec).env = [{ name: 'A', value: '1' }]), objects), undefined);
  });

  test('the management group’s size from its StatefulSet', () => {
    assert.match(problem((spec) => (spec.managementGroup.size = 3))?.message ?? 'accepted', /spec\.managementGroup\.size: /);
  });
});

describe('the version the members run', () => {
  const cases: { name: string; pods: V1Pod[]; version: string; refused: boolean }[] = [
    { name: 'one member across the line is enough', pods: [pod('c-management-0', '3.1.6'), pod('c-raft-0', '3.1.5')], version: '3.1.5', refused: true },
    { name: 'all on this side of it', pods: [pod('c-management-0', '3.1.4'), pod('c-raft-0', '3.1.5')], version: '3.1.5', refused: false },
    { name: 'pods without the label say nothing', pods: [pod('c-raft-0', undefined)], version: '3.1.6', refused: false },
    { name: 'no pods say nothing', pods: [], version: '3.1.6', refused: false },
    { name: 'members on an unknown version say nothing', pods: [pod('c-raft-0', '9.9.9')], version: '3.1.5', refused: false },
  ];
  for (const { name, pods, version, refused } of cases) {
    test(name, () => {
      const found = problem((spec) => (spec.version = version as Spec['version']), applied(), pods);
      assert.equal(found !== undefined && /spec\.version: /.test(found.message), refused, found?.message);
    });
  }
});
