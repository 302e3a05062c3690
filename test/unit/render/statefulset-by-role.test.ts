// The StatefulSet of each kind of group, as a table: who rolls its pods, which volumes keep
// its data, which program its container starts and with which flags. Atomix servers
// (management and partition groups) are rolled by the operator and run the agent; benchmark
// pods are clients the StatefulSet controller rolls, running atomix-bench.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

const statefulSets = renderCluster(validCluster(EVERY_GROUP)).filter(isKind('StatefulSet'));
const specOf = (name: string) => {
  const spec = statefulSets.find((sts) => sts.metadata.name === name)?.spec;
  assert.ok(spec, name);
  return spec;
};
const containerOf = (name: string) => {
  const container = specOf(name).template.spec?.containers[0];
  assert.ok(container, name);
  return container;
};

/** Runs the image's entrypoint so that its `java` replaces the shell (see sigterm-exec.test.ts). */
const execJava = (entrypoint: string) => ['/bin/bash', '-c', 'java() { exec java "$@"; }; export -f java; exec "$0" "$@"', entrypoint];
const serverFlags = (service: string) => [
  '--config', '/etc/atomix/atomix.conf',
  '--member', '$(POD_NAME)',
  '--address', `$(POD_NAME).${service}.default.svc.cluster.local:5679`,
  '--host', '$(NODE_NAME)',
  '--log-level', 'INFO', '--console-log-level', 'INFO', '--file-log-level', 'OFF',
  '--data-dir', '/var/lib/atomix/data',
  '--http-port', '5678',
];
const benchFlags = [
  'agent',
  '--config', '/etc/atomix/atomix.conf',
  '--member', '$(POD_NAME)',
  '--address', '$(POD_NAME).example-atomixcluster-bench.default.svc.cluster.local:5679',
  '--data-dir', '/var/lib/atomix/data',
  '--http-port', '5678',
];
const claim = (selector: object, className?: string) => ({
  metadata: { name: 'data', labels: { app: 'example-atomixcluster', ...selector } },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2G' } }, ...(className ? { storageClassName: className } : {}) },
});
const persistent = (selector: object, className?: string) => ({
  volumeClaimTemplates: [claim(selector, className)],
  persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
});
const onDelete = { updateStrategy: { type: 'OnDelete' } };

interface Role {
  readonly statefulSet: string;
  readonly governingService: string;
  readonly replicas: number;
  /** StatefulSet spec fields that differ by role. */
  readonly rolled: object;
  readonly storage: object;
  readonly emptyDir: boolean;
  readonly command: string[];
  readonly args: string[];
}

const ROLES: readonly Role[] = [
  {
    statefulSet: 'example-atomixcluster-management',
    governingService: 'example-atomixcluster-service',
    replicas: 1,
    rolled: onDelete,
    // The example's management group names its storage class; the partition groups here do not.
    storage: persistent({ type: 'managment' }, 'fast-disks'),
    emptyDir: false,
    command: execJava('./bin/atomix-agent'),
    args: serverFlags('example-atomixcluster-service'),
  },
  {
    statefulSet: 'example-atomixcluster-raft',
    governingService: 'example-atomixcluster-service',
    replicas: 3,
    rolled: onDelete,
    storage: persistent({ type: 'group', group: 'raft' }),
    emptyDir: false,
    command: execJava('./bin/atomix-agent'),
    args: serverFlags('example-atomixcluster-service'),
  },
  {
    statefulSet: 'example-atomixcluster-log',
    governingService: 'example-atomixcluster-service',
    replicas: 2,
    rolled: onDelete,
    storage: persistent({ type: 'group', group: 'log' }),
    emptyDir: false,
    command: execJava('./bin/atomix-agent'),
    args: serverFlags('example-atomixcluster-service'),
  },
  {
    statefulSet: 'example-atomixcluster-pb',
    governingService: 'example-atomixcluster-service',
    replicas: 2,
    rolled: onDelete,
    storage: {},
    emptyDir: true,
    command: execJava('./bin/atomix-agent'),
    args: serverFlags('example-atomixcluster-service'),
  },
  {
    statefulSet: 'example-atomixcluster-bench-worker',
    governingService: 'example-atomixcluster-bench',
    replicas: 2,
    rolled: {},
    storage: {},
    emptyDir: true,
    command: execJava('./bin/atomix-bench'),
    args: benchFlags,
  },
  {
    statefulSet: 'example-atomixcluster-bench-coordinator',
    governingService: 'example-atomixcluster-bench',
    replicas: 1,
    rolled: {},
    storage: {},
    emptyDir: true,
    command: execJava('./bin/atomix-bench'),
    args: benchFlags,
  },
];

describe('the StatefulSet of each kind of group', () => {
  test('there is one per group and benchmark role', () => {
    assert.deepEqual(statefulSets.map((sts) => sts.metadata.name), ROLES.map((role) => role.statefulSet));
  });

  for (const role of ROLES) {
    test(`${role.statefulSet}: rolled ${'updateStrategy' in role.rolled ? 'by the operator' : 'by the StatefulSet controller'}, ${role.emptyDir ? 'no claim' : 'a claim per pod'}`, () => {
      const { template, selector: _, ...spec } = specOf(role.statefulSet);
      assert.deepEqual(spec, {
        serviceName: role.governingService,
        replicas: role.replicas,
        podManagementPolicy: 'Parallel',
        ...role.rolled,
        ...role.storage,
      });
      const configMap = role.governingService === 'example-atomixcluster-bench' ? 'example-atomixcluster-bench-config' : `${role.statefulSet}-config`;
      assert.deepEqual(template.spec?.volumes, [
        { name: 'config', configMap: { name: configMap } },
        ...(role.emptyDir ? [{ name: 'data', emptyDir: {} }] : []),
      ]);
    });

    test(`${role.statefulSet}: its container starts ${role.command.at(-1) ?? ''} with the node's flags`, () => {
      const container = containerOf(role.statefulSet);
      assert.equal(container.name, 'atomix');
      assert.deepEqual(container.command, role.command);
      assert.deepEqual(container.args, role.args);
    });
  }

  test('no pod gets Service environment variables or a service account token', () => {
    for (const sts of statefulSets) {
      const pod = sts.spec?.template.spec;
      assert.equal(pod?.enableServiceLinks, false, sts.metadata.name);
      assert.equal(pod.automountServiceAccountToken, false, sts.metadata.name);
    }
  });
});

describe('env and resources of each kind of group', () => {
  const identity = ['POD_NAME', 'POD_NAMESPACE', 'NODE_NAME'];
  const resources = { requests: { cpu: '250m', memory: 536_870_912 }, limits: { memory: '1Gi' } };
  const given = { env: [{ name: 'TZ', value: 'UTC' }], resources };
  const configured = renderCluster(
    validCluster({
      managementGroup: given,
      partitionGroups: [{ name: 'raft', raft: {}, ...given }],
      benchmark: { size: 1, ...given },
    }),
  ).filter(isKind('StatefulSet'));

  test('each gets the identity variables, the user\'s, then the heap from its memory limit', () => {
    assert.equal(configured.length, 4);
    for (const sts of configured) {
      const container = sts.spec?.template.spec?.containers[0];
      assert.deepEqual(container?.env?.map((variable) => variable.name), [...identity, 'TZ', 'JAVA_OPTS'], sts.metadata.name);
      assert.deepEqual(container.env.slice(3), [{ name: 'TZ', value: 'UTC' }, { name: 'JAVA_OPTS', value: '-Xmx512m' }]);
    }
  });

  test('each gets its resources as given, a quantity given as a number included', () => {
    for (const sts of configured) assert.deepEqual(sts.spec?.template.spec?.containers[0]?.resources, resources, sts.metadata.name);
  });

  test('without resources a container has no resources field and no JAVA_OPTS', () => {
    for (const sts of statefulSets) {
      const container = sts.spec?.template.spec?.containers[0];
      assert.equal(container && 'resources' in container, false, sts.metadata.name);
      assert.deepEqual(container?.env?.map((variable) => variable.name), identity);
    }
  });
});
