import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acrossTheProbeChange, ATOMIX_VERSIONS } from '../../../src/api/versions.js';
import { validateCluster, validateClusterUpdate } from '../../../src/api/validate.js';
import { mergePatch } from '../../support/manifests.js';
import { seedManifest } from '../../support/change-cases.js';

describe('the 3.1.5 -> 3.1.6 line (the membership probe reply changed)', () => {
  test('only pairs with one release on each side are across it', () => {
    const patch = (version: string) => Number(version.split('.')[2]);
    for (const a of ATOMIX_VERSIONS) {
      for (const b of ATOMIX_VERSIONS) assert.equal(acrossTheProbeChange(a, b), patch(a) <= 5 !== patch(b) <= 5, `${a} / ${b}`);
    }
  });

  test('a version change across it is refused at spec.version unless updateStrategy is FullRestart, either way', () => {
    const stored = validateCluster(mergePatch(seedManifest(), { spec: { version: '3.1.12' } }));
    assert.ok(stored.ok);
    const update = (spec: object) => validateClusterUpdate(stored.cluster, mergePatch(stored.cluster, { spec }));
    for (const version of ['3.1.5', '3.1.0']) {
      const refused = update({ version });
      assert.ok(!refused.ok, `3.1.12 -> ${version} accepted`);
      assert.deepEqual(refused.errors.map((e) => e.field), ['spec.version']);
      assert.match(refused.errors[0]?.message ?? '', /cannot probe each other.*updateStrategy: FullRestart/);
      assert.ok(update({ version, updateStrategy: 'FullRestart' }).ok, `3.1.12 -> ${version} with FullRestart`);
    }
    assert.ok(update({ version: '3.1.6' }).ok, 'the same side rolls');
  });
});
