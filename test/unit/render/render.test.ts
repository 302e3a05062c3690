import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster, type KubeObject } from '../../../src/render/index.js';
import type { AtomixConfig, RaftGroupConfig } from '../../../src/render/atomix-config.js';
import type { AtomixCluster, PartitionGroupSpec } from '../../../src/api/schema.js';
import { toYamlDocuments } from '../../../src/render/yaml.js';
import { exampleCluster } from '../../support/manifests.js';

/**
 * A rendered object read as if every optional field were set: a test reads what the
 * renderer must set, and a field it did not set fails that test's assertion.
 */
type Rendered<T> = T extends readonly (infer E)[] ? Rendered<E>[] : T extends object ? { [K in keyof T]-?: Rendered<NonNullable<T[K]>> } : T;
type Kind = KubeObject['kind'];
type RenderedKind<K extends Kind> = Rendered<Extract<KubeObject, { kind: K }>>;
type StatefulSet = RenderedKind<'StatefulSet'>;

const find = <K extends Kind>(objects: KubeObject[], kind: K, name: string): RenderedKind<K> => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found as RenderedKind<K>;
};
const first = <T>(list: readonly T[]): T => {
  assert.ok(list.length > 0, 'the list has an element');
  return list[0] as T;
};
const inventory = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);
const atomixConfig = (objects: KubeObject[], configMap: string) =>
  JSON.parse(find(objects, 'ConfigMap', configMap).data['atomix.conf'] ?? '') as AtomixConfig;
const raftGroup = (config: AtomixConfig, name: string): RaftGroupConfig => {
  const group = config.partitionGroups?.[name];
  assert.equal(group?.type, 'raft', `${name} is a Raft group`);
  return group;
};
/** The README example's one partition group (raft), to change in place. */
const exampleGroup = (cluster: AtomixCluster): PartitionGroupSpec => first(cluster.spec.partitionGroups ?? []);
const container = (sts: { spec: { template: { spec: StatefulSet['spec']['template']['spec'] } } }) => first(sts.spec.template.spec.containers);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('the README example', () => {
  const objects = renderCluster(exampleCluster());

  test('renders the discovery service and the management and raft groups', () => {
    assert.deepEqual(inventory(objects), [
      'Service/example-atomixcluster-service',
      'ConfigMap/example-atomixcluster-management-config',
      'StatefulSet/example-atomixcluster-management',
      'PodDisruptionBudget/example-atomixcluster-management',
      'ConfigMap/example-atomixcluster-raft-config',
      'StatefulSet/example-atomixcluster-raft',
      'PodDisruptionBudget/example-atomixcluster-raft',
      'Service/example-atomixcluster-raft',
    ]);
    assert.ok(objects.every((o) => o.metadata.namespace === 'default'));
  });

  test('labels the objects as the README promises', () => {
    const management = find(objects, 'StatefulSet', 'example-atomixcluster-management');
    assert.equal(management.metadata.labels.app, 'example-atomixcluster');
    assert.equal(management.metadata.labels.type, 'managment');
    const raft = find(objects, 'StatefulSet', 'example-atomixcluster-raft');
    assert.deepEqual(
      [raft.metadata.labels.app, raft.metadata.labels.type, raft.metadata.labels.group],
      ['example-atomixcluster', 'group', 'raft'],
    );
    assert.equal(raft.metadata.labels['app.kubernetes.io/managed-by'], 'atomix-operator');
    assert.equal(raft.metadata.labels['app.kubernetes.io/version'], '3.1.0');
  });

  test('the discovery service is the one clients use, headless and publishing unready pods', () => {
    const service = find(objects, 'Service', 'example-atomixcluster-service');
    assert.equal(service.spec.clusterIP, 'None');
    assert.equal(service.spec.publishNotReadyAddresses, true);
    // Only the messaging port: a bare-name SRV lookup must not also yield the REST port.
    assert.deepEqual(service.spec.ports, [{ name: 'node', port: 5679, targetPort: 'node', protocol: 'TCP' }]);
  });

  test('every StatefulSet is governed by the discovery service, so SRV targets carry pod names', () => {
    for (const name of ['example-atomixcluster-management', 'example-atomixcluster-raft']) {
      const sts = find(objects, 'StatefulSet', name);
      assert.equal(sts.spec.serviceName, 'example-atomixcluster-service');
      assert.equal(sts.spec.podManagementPolicy, 'Parallel');
    }
  });

  test('the raft group runs 3 Atomix 3.1.0 pods with identity from flags', () => {
    const sts = find(objects, 'StatefulSet', 'example-atomixcluster-raft');
    assert.equal(sts.spec.replicas, 3);
    const atomix = container(sts);
    assert.equal(atomix.image, 'atomix/atomix:3.1.0');
    assert.deepEqual(atomix.args, [
      '--config', '/etc/atomix/atomix.conf',
      '--member', '$(POD_NAME)',
      '--address', '$(POD_NAME).example-atomixcluster-service.default.svc.cluster.local:5679',
      '--host', '$(NODE_NAME)',
      '--log-level', 'INFO', '--console-log-level', 'INFO', '--file-log-level', 'OFF',
      '--data-dir', '/var/lib/atomix/data',
      '--http-port', '5678',
    ]);
    assert.deepEqual(
      atomix.env.map((e) => [e.name, e.valueFrom.fieldRef.fieldPath]),
      [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace'], ['NODE_NAME', 'spec.nodeName']],
    );
    assert.equal(sts.spec.template.spec.initContainers, undefined);
  });

  test('probes: started and ready on REST /v1/status, alive on the messaging port', () => {
    const atomix = container(find(objects, 'StatefulSet', 'example-atomixcluster-raft'));
    assert.deepEqual(atomix.ports.map((p) => [p.name, p.containerPort, p.protocol]), [
      ['http', 5678, 'TCP'],
      ['node', 5679, 'TCP'],
      ['gossip', 5679, 'UDP'],
    ]);
    assert.deepEqual(atomix.readinessProbe.httpGet, { path: '/v1/status', port: 'http' });
    assert.deepEqual(atomix.livenessProbe.tcpSocket, { port: 'node' });
    assert.deepEqual(atomix.startupProbe.httpGet, { path: '/v1/status', port: 'http' });
    assert.equal(atomix.startupProbe.periodSeconds * atomix.startupProbe.failureThreshold, 600);
  });

  test('persistent groups get a data volume claim from storage, kept when the group goes', () => {
    const sts = find(objects, 'StatefulSet', 'example-atomixcluster-raft');
    assert.deepEqual(first(sts.spec.volumeClaimTemplates).spec, {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '2G' } },
      storageClassName: 'fast-disks',
    });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual(container(sts).volumeMounts, [
      { name: 'config', mountPath: '/etc/atomix', readOnly: true },
      { name: 'data', mountPath: '/var/lib/atomix' },
    ]);
    assert.deepEqual(sts.spec.template.spec.volumes, [{ name: 'config', configMap: { name: 'example-atomixcluster-raft-config' } }]);
  });

  test('pods are unprivileged and can write their volume as the image user', () => {
    const pod = find(objects, 'StatefulSet', 'example-atomixcluster-management').spec.template.spec;
    assert.equal(pod.securityContext.fsGroup, 1000);
    assert.deepEqual(container({ spec: { template: { spec: pod } } }).securityContext, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('the management group config is a one-partition Raft group on the management pods', () => {
    assert.deepEqual(atomixConfig(objects, 'example-atomixcluster-management-config'), {
      cluster: {
        clusterId: 'example-atomixcluster',
        discovery: { type: 'dns', service: 'example-atomixcluster-service.default.svc.cluster.local' },
      },
      managementGroup: {
        type: 'raft',
        partitions: 1,
        members: ['example-atomixcluster-management-0'],
        storage: { level: 'mapped', segmentSize: '64M', maxEntrySize: '1M', flushOnCommit: false },
      },
    });
  });

  test('the raft group config lists its pods as static members', () => {
    const config = atomixConfig(objects, 'example-atomixcluster-raft-config');
    assert.equal(config.managementGroup, undefined);
    assert.deepEqual(config.partitionGroups, {
      raft: {
        type: 'raft',
        partitions: 3,
        partitionSize: 3,
        members: ['example-atomixcluster-raft-0', 'example-atomixcluster-raft-1', 'example-atomixcluster-raft-2'],
        storage: { level: 'mapped', segmentSize: '64M', maxEntrySize: '1M', flushOnCommit: false },
        compaction: { dynamic: true, freeDiskBuffer: 0.2, freeMemoryBuffer: 0.2 },
      },
    });
  });

  test('disruption budgets keep a Raft majority and never block a single-node drain', () => {
    assert.equal(find(objects, 'PodDisruptionBudget', 'example-atomixcluster-raft').spec.maxUnavailable, 1);
    assert.equal(find(objects, 'PodDisruptionBudget', 'example-atomixcluster-management').spec.maxUnavailable, 1);
  });

  test('rendering is deterministic, byte for byte', () => {
    assert.equal(toYamlDocuments(renderCluster(exampleCluster())), toYamlDocuments(objects));
  });

  test('no owner references without a uid (a file), controller references with one', () => {
    assert.ok(objects.every((o) => o.metadata.ownerReferences === undefined));
    const cluster = exampleCluster();
    cluster.metadata.uid = '1234';
    for (const object of renderCluster(cluster)) {
      assert.deepEqual(object.metadata.ownerReferences, [
        { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'example-atomixcluster', uid: '1234', controller: true, blockOwnerDeletion: true },
      ]);
    }
  });
});

describe('selectors select exactly the intended pods', () => {
  const objects = renderCluster(exampleCluster('atomixcluster_cr_bench.yaml'));
  const statefulSets = objects.filter(isKind('StatefulSet')) as StatefulSet[];
  const podsSelectedBy = (selector: Record<string, string>) =>
    statefulSets.filter((sts) => matches(selector, sts.spec.template.metadata.labels)).map((sts) => sts.metadata.name).sort();

  test('each StatefulSet, its PDB and its anti-affinity select only its own pods', () => {
    for (const sts of statefulSets) {
      assert.deepEqual(podsSelectedBy(sts.spec.selector.matchLabels), [sts.metadata.name]);
      const term = first(sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).podAffinityTerm;
      assert.deepEqual(podsSelectedBy(term.labelSelector.matchLabels), [sts.metadata.name]);
      const pdb = objects.filter(isKind('PodDisruptionBudget')).find((o) => o.metadata.name === sts.metadata.name) as RenderedKind<'PodDisruptionBudget'> | undefined;
      if (pdb) assert.deepEqual(podsSelectedBy(pdb.spec.selector.matchLabels), [sts.metadata.name]);
    }
  });

  test('the discovery service selects the data nodes, not the benchmark clients', () => {
    const service = find(objects, 'Service', 'example-atomixcluster-service');
    assert.deepEqual(podsSelectedBy(service.spec.selector), ['example-atomixcluster-management', 'example-atomixcluster-raft']);
  });

  test('each Service selects the pods it governs or fronts', () => {
    assert.deepEqual(podsSelectedBy(find(objects, 'Service', 'example-atomixcluster-raft').spec.selector), ['example-atomixcluster-raft']);
    assert.deepEqual(podsSelectedBy(find(objects, 'Service', 'example-atomixcluster-bench').spec.selector), [
      'example-atomixcluster-bench-coordinator',
      'example-atomixcluster-bench-worker',
    ]);
    assert.deepEqual(podsSelectedBy(find(objects, 'Service', 'example-atomixcluster-bench-coordinator').spec.selector), [
      'example-atomixcluster-bench-coordinator',
    ]);
  });
});

describe('partition group types', () => {
  test('a primary-backup group keeps no data volume and may lose one node at a time', () => {
    const objects = renderCluster(exampleCluster('atomixcluster_cr_primary_backup.yaml'));
    const sts = find(objects, 'StatefulSet', 'example-atomixcluster-primary-backup');
    assert.equal(sts.spec.replicas, 2);
    assert.equal(sts.spec.volumeClaimTemplates, undefined);
    assert.deepEqual(sts.spec.template.spec.volumes[1], { name: 'data', emptyDir: {} });
    assert.equal(find(objects, 'PodDisruptionBudget', 'example-atomixcluster-primary-backup').spec.maxUnavailable, 1);
    assert.deepEqual(atomixConfig(objects, 'example-atomixcluster-primary-backup-config').partitionGroups, {
      'primary-backup': { type: 'primary-backup', partitions: 7, memberGroupStrategy: 'node-aware' },
    });
    assert.ok(find(objects, 'Service', 'example-atomixcluster-primary-backup'));
  });

  test('a log group has storage, compaction and a member group strategy', () => {
    const objects = renderCluster(exampleCluster('atomixcluster_cr_log.yaml'));
    assert.deepEqual(atomixConfig(objects, 'example-atomixcluster-log-config').partitionGroups, {
      log: {
        type: 'log',
        partitions: 3,
        memberGroupStrategy: 'node-aware',
        storage: { level: 'mapped', segmentSize: '64M', maxEntrySize: '1M', flushOnCommit: false },
        compaction: { size: '1G' },
      },
    });
    assert.equal(first(find(objects, 'StatefulSet', 'example-atomixcluster-log').spec.volumeClaimTemplates).spec.storageClassName, 'fast-disks');
  });

  test('the raft patch adds a second Raft group with its own StatefulSet and service', () => {
    const objects = renderCluster(exampleCluster('atomixcluster_cr_raft.yaml'));
    assert.ok(find(objects, 'StatefulSet', 'example-atomixcluster-consensus'));
    assert.ok(find(objects, 'Service', 'example-atomixcluster-consensus'));
    assert.deepEqual(raftGroup(atomixConfig(objects, 'example-atomixcluster-consensus-config'), 'consensus').members, [
      'example-atomixcluster-consensus-0',
      'example-atomixcluster-consensus-1',
      'example-atomixcluster-consensus-2',
    ]);
  });

  test('partitions default to the group size and partitionSize never exceeds it', () => {
    const cluster = exampleCluster();
    const { raft } = exampleGroup(cluster);
    assert.ok(raft);
    cluster.spec.partitionGroups = [{ name: 'small', size: 2, raft: { ...raft, partitionSize: 3 } }];
    const config = atomixConfig(renderCluster(cluster), 'example-atomixcluster-small-config');
    assert.equal(raftGroup(config, 'small').partitions, 2);
    assert.equal(raftGroup(config, 'small').partitionSize, 2);
  });

  test('env and resources are passed through after the identity variables', () => {
    const cluster = exampleCluster();
    exampleGroup(cluster).env = [{ name: 'JAVA_OPTS', value: '-Xmx1G' }];
    exampleGroup(cluster).resources = { requests: { memory: '1Gi', cpu: '500m' } };
    const atomix = container(find(renderCluster(cluster), 'StatefulSet', 'example-atomixcluster-raft'));
    assert.deepEqual(atomix.env.at(-1), { name: 'JAVA_OPTS', value: '-Xmx1G' });
    assert.deepEqual(atomix.resources, { requests: { memory: '1Gi', cpu: '500m' } });
  });

  test('a configuration change changes the pod template, so the pods restart with it', () => {
    const hash = (objects: KubeObject[]) =>
      find(objects, 'StatefulSet', 'example-atomixcluster-raft').spec.template.metadata.annotations['agent.atomix.io/config-hash'];
    const resized = exampleCluster();
    exampleGroup(resized).size = 5;
    assert.notEqual(hash(renderCluster(resized)), hash(renderCluster(exampleCluster())));
  });
});

describe('the benchmark', () => {
  const objects = renderCluster(exampleCluster('atomixcluster_cr_bench.yaml'));

  test('workers and a coordinator run atomix-bench as clients of the cluster', () => {
    const workers = find(objects, 'StatefulSet', 'example-atomixcluster-bench-worker');
    assert.equal(workers.spec.replicas, 3);
    assert.equal(workers.metadata.labels.type, 'benchmark-worker');
    assert.equal(container(workers).image, 'atomix/atomix-bench:latest');
    assert.equal(container(workers).args[0], 'agent');
    assert.ok(!container(workers).args.includes('--host'), 'atomix-bench has no --host flag');
    const coordinator = find(objects, 'StatefulSet', 'example-atomixcluster-bench-coordinator');
    assert.equal(coordinator.spec.replicas, 1);
    assert.equal(coordinator.metadata.labels.type, 'benchmark-coordinator');
    const config = atomixConfig(objects, 'example-atomixcluster-bench-config');
    assert.deepEqual(Object.keys(config), ['cluster']);
  });

  test('an Ingress routes the bench REST API to the coordinator', () => {
    const ingress = find(objects, 'Ingress', 'example-atomixcluster-bench');
    const path = first(first(ingress.spec.rules).http.paths);
    assert.equal(path.path, '/v1/bench');
    assert.deepEqual(path.backend.service, { name: 'example-atomixcluster-bench-coordinator', port: { number: 5678 } });
    const service = find(objects, 'Service', 'example-atomixcluster-bench-coordinator');
    assert.equal(service.spec.type, 'ClusterIP');
  });
});
