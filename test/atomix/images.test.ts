// The atomix/atomix images this node builds, booted with their own start scripts: the oldest
// and the newest buildable release (they differ in start script, JAVA_OPTS rules and user)
// and the benchmark image. `npm run test:images` boots every buildable version.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { checkAtomixImage, checkBenchImage, resolveRuntime } from './image-boot.js';

const TIMEOUT_MS = 600_000;

describe('atomix/atomix images booted by their entrypoint', { timeout: TIMEOUT_MS }, () => {
  const store = new LocalImageStore();

  for (const version of ['3.1.0', '3.1.12']) {
    test(`atomix/atomix:${version} starts Atomix ${version} and serves a Raft counter`, async () => {
      const check = await checkAtomixImage(store, `atomix/atomix:${version}`);
      assert.equal(check.atomixVersion, version, 'the node must run the libraries of the image version');
      assert.equal(check.counter, '1');
      assert.ok(check.fileLog, 'conf/logback.xml writes the rolling file log under --log-dir');
    });
  }

  test('the image config follows the tag: root up to 3.1.10, user atomix (1000) from 3.1.11', async () => {
    const old = await resolveRuntime(store, 'atomix/atomix:3.1.0');
    const current = await resolveRuntime(store, 'docker.io/atomix/atomix:3.1.12');
    assert.equal(old.user, undefined);
    assert.deepEqual(current.user, { uid: 1000, gid: 1000 });
    for (const runtime of [old, current]) {
      assert.deepEqual(runtime.entrypoint, ['./bin/atomix-agent']);
      assert.deepEqual(runtime.cmd, []);
      assert.equal(runtime.workingDir, '/opt/atomix');
      assert.deepEqual(runtime.mounts.map((mount) => [mount.containerPath, mount.readOnly]), [['/opt/atomix', true]]);
    }
    assert.notEqual(old.imageID, current.imageID);
  });

  test('atomix/atomix-bench:latest runs a client-only node that joins the cluster', async () => {
    const check = await checkBenchImage(store, 'atomix/atomix:3.1.0');
    assert.equal(check.atomixVersion, '3.1.0', 'atomix-bench is built on 3.1.0, the release nearest its 3.1.1-SNAPSHOT');
    assert.deepEqual(check.members.sort(), ['bench-0', 'server-0']);
    assert.equal(check.counter, '1');
  });
});
