import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { imageUserOf, type AtomixVersion } from '../../../src/api/versions.js';
import { exampleCluster } from '../../support/manifests.js';

const podsOf = (version: AtomixVersion) => {
  const cluster = exampleCluster('atomixcluster_cr_bench.yaml');
  return renderCluster({ ...cluster, spec: { ...cluster.spec, version } })
    .filter(isKind('StatefulSet'))
    .map((sts) => ({ name: sts.metadata.name, spec: sts.spec?.template.spec }));
};
const isBench = (name: string) => name.includes('-bench-');

describe('pod security by the user of the image', () => {
  test('3.1.0 to 3.1.10 run as root, 3.1.11 and 3.1.12 as atomix (1000)', () => {
    assert.deepEqual(
      Array.from({ length: 13 }, (_, patch) => imageUserOf(`3.1.${patch}`)),
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, 1000],
    );
    for (const unreadable of ['latest', '3.1', '3.2.0', '3.1.12-rc1']) assert.equal(imageUserOf(unreadable), 0, unreadable);
  });

  test('Atomix 3.1.12 pods get everything Pod Security "restricted" asks for', () => {
    for (const { name, spec } of podsOf('3.1.12').filter((pod) => !isBench(pod.name))) {
      assert.deepEqual(spec?.securityContext, {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        fsGroupChangePolicy: 'Always',
        seccompProfile: { type: 'RuntimeDefault' },
      }, name);
      assert.deepEqual(spec.containers[0]?.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      assert.equal(spec.automountServiceAccountToken, false);
    }
  });

  test('root images (Atomix 3.1.10 and the benchmark) get the same minus the non-root user: "baseline"', () => {
    const pods = [...podsOf('3.1.10'), ...podsOf('3.1.12').filter((pod) => isBench(pod.name))];
    assert.equal(pods.length, 6);
    for (const { name, spec } of pods) {
      assert.deepEqual(spec?.securityContext, { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } }, name);
      assert.deepEqual(spec.containers[0]?.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      assert.equal(spec.automountServiceAccountToken, false);
    }
  });
});
