import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { heapEnv, type StartScript } from '../../../src/render/jvm.js';
import { isKind, renderCluster } from '../../../src/render/index.js';
import type { ResourcesSpec } from '../../../src/api/schema.js';
import { exampleCluster } from '../../support/manifests.js';

const G1 = '-XX:+UseG1GC -XX:MaxGCPauseMillis=200';

describe('the heap follows the container memory unless the user sets JAVA_OPTS', () => {
  const cases: [string, StartScript, ResourcesSpec | undefined, string | undefined][] = [
    ['limit 1Gi on 3.1.12: half of it, with the image\'s G1 default kept', '3.1.12', { limits: { memory: '1Gi' } }, `${G1} -Xmx512m`],
    ['limit 1Gi on 3.1.10, the first release defaulting to G1', '3.1.10', { limits: { memory: '1Gi' } }, `${G1} -Xmx512m`],
    ['limit 1Gi on 3.1.9: its script hard-codes CMS, so only the heap', '3.1.9', { limits: { memory: '1Gi' } }, '-Xmx512m'],
    ['atomix-bench hard-codes CMS too', 'atomix-bench', { limits: { memory: '1Gi' } }, '-Xmx512m'],
    ['the limit wins over the request', '3.1.0', { requests: { memory: '256Mi' }, limits: { memory: '2Gi' } }, '-Xmx1024m'],
    ['a request alone decides without a limit', '3.1.0', { requests: { memory: '768Mi' } }, '-Xmx384m'],
    ['decimal and integer quantities', '3.1.0', { limits: { memory: '1G' } }, '-Xmx476m'],
    ['bytes as a number', '3.1.0', { limits: { memory: 536_870_912 } }, '-Xmx256m'],
    ['a fraction of a Gi', '3.1.0', { limits: { memory: '0.5Gi' } }, '-Xmx256m'],
    ['a tiny limit still gets the smallest heap Atomix starts with', '3.1.0', { limits: { memory: '64Mi' } }, '-Xmx64m'],
    ['no memory figure: the image\'s own defaults', '3.1.12', { limits: { cpu: '1' } }, undefined],
    ['no resources at all', '3.1.12', undefined, undefined],
  ];
  for (const [name, script, resources, expected] of cases) {
    test(name, () => {
      assert.deepEqual(heapEnv(script, [], resources), expected === undefined ? [] : [{ name: 'JAVA_OPTS', value: expected }]);
    });
  }

  test('a JAVA_OPTS of the user, by value or reference, is left alone', () => {
    const limits = { limits: { memory: '1Gi' } };
    assert.deepEqual(heapEnv('3.1.12', [{ name: 'JAVA_OPTS', value: '-Xmx2g' }], limits), []);
    assert.deepEqual(heapEnv('3.1.12', [{ name: 'JAVA_OPTS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } }], limits), []);
  });
});

describe('rendered pods', () => {
  const cluster = exampleCluster('atomixcluster_cr_bench.yaml');
  const limited = { limits: { memory: '1Gi' } };
  const statefulSets = renderCluster({
    ...cluster,
    spec: {
      ...cluster.spec,
      managementGroup: { ...cluster.spec.managementGroup, resources: limited },
      partitionGroups: (cluster.spec.partitionGroups ?? []).map((group) => ({ ...group, resources: limited, env: [{ name: 'JAVA_OPTS', value: '-Xmx300m' }] })),
      benchmark: { size: 1, resources: limited },
    },
  }).filter(isKind('StatefulSet'));
  const containerOf = (name: string) => statefulSets.find((sts) => sts.metadata.name === name)?.spec?.template.spec?.containers[0];
  const javaOpts = (name: string) => containerOf(name)?.env?.filter((variable) => variable.name === 'JAVA_OPTS').map((variable) => variable.value);

  test('each group gets its heap from its own resources; a user JAVA_OPTS is the only one', () => {
    assert.deepEqual(javaOpts('example-atomixcluster-management'), ['-Xmx512m']);
    assert.deepEqual(javaOpts('example-atomixcluster-raft'), ['-Xmx300m']);
    assert.deepEqual(javaOpts('example-atomixcluster-bench-worker'), ['-Xmx512m']);
  });

  test('agents log INFO to the console and nothing to a file; atomix-bench has no logging options', () => {
    const args = containerOf('example-atomixcluster-raft')?.args ?? [];
    assert.deepEqual(args.slice(args.indexOf('--log-level'), args.indexOf('--log-level') + 6), ['--log-level', 'INFO', '--console-log-level', 'INFO', '--file-log-level', 'OFF']);
    assert.ok(!(containerOf('example-atomixcluster-bench-worker')?.args ?? []).some((arg) => arg.includes('log')));
  });
});
