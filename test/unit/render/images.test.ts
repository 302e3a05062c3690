import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { validateCluster } from '../../../src/api/validate.js';
import { exampleCluster, mergePatch } from '../../support/manifests.js';

function rendered(spec: object) {
  const result = validateCluster(mergePatch(exampleCluster(), { spec }));
  if (!result.ok) assert.fail(JSON.stringify(result.errors));
  return renderCluster(result.cluster).filter(isKind('StatefulSet'));
}

const imagesOf = (cluster: ReturnType<typeof rendered>) =>
  Object.fromEntries(cluster.map((sts) => [sts.metadata.name, sts.spec?.template.spec?.containers[0]?.image]));

describe('images', () => {
  test('by default every Atomix node runs atomix/atomix:<version>, the benchmark atomix-bench:latest', () => {
    assert.deepEqual(imagesOf(rendered({ version: '3.1.5', benchmark: { size: 1 } })), {
      'example-atomixcluster-management': 'atomix/atomix:3.1.5',
      'example-atomixcluster-raft': 'atomix/atomix:3.1.5',
      'example-atomixcluster-bench-worker': 'atomix/atomix-bench:latest',
      'example-atomixcluster-bench-coordinator': 'atomix/atomix-bench:latest',
    });
  });

  test('image overrides the Atomix nodes\' image and benchmark.image the benchmark\'s; version still labels the pods', () => {
    const statefulSets = rendered({
      version: '3.1.12',
      image: 'mirror.example.com/atomix/atomix:3.1.12-patched',
      benchmark: { size: 1, image: 'mirror.example.com/atomix-bench:3.1.12' },
    });
    assert.deepEqual(imagesOf(statefulSets), {
      'example-atomixcluster-management': 'mirror.example.com/atomix/atomix:3.1.12-patched',
      'example-atomixcluster-raft': 'mirror.example.com/atomix/atomix:3.1.12-patched',
      'example-atomixcluster-bench-worker': 'mirror.example.com/atomix-bench:3.1.12',
      'example-atomixcluster-bench-coordinator': 'mirror.example.com/atomix-bench:3.1.12',
    });
    for (const sts of statefulSets) assert.equal(sts.spec?.template.metadata?.labels?.['app.kubernetes.io/version'], '3.1.12');
  });

  test('imagePullPolicy (IfNotPresent by default) and imagePullSecrets apply to every pod', () => {
    const defaults = rendered({});
    assert.ok(defaults.every((sts) => sts.spec?.template.spec?.containers[0]?.imagePullPolicy === 'IfNotPresent'));
    assert.ok(defaults.every((sts) => sts.spec?.template.spec?.imagePullSecrets === undefined));
    const pulled = rendered({ imagePullPolicy: 'Always', imagePullSecrets: [{ name: 'mirror' }], benchmark: { size: 1 } });
    assert.equal(pulled.length, 4);
    for (const sts of pulled) {
      const pod = sts.spec?.template.spec;
      assert.ok(pod);
      assert.equal(pod.containers[0]?.imagePullPolicy, 'Always');
      assert.deepEqual(pod.imagePullSecrets, [{ name: 'mirror' }]);
    }
  });
});
