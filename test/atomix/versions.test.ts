// The README example through the operator on real pods, on the newest buildable release, whose
// image runs as user atomix (uid 1000) rather than root. `npm run test:versions` runs every
// buildable release.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRealCluster } from './readme-example-versions.js';

let cluster: Awaited<ReturnType<typeof startRealCluster>>;

before(async () => {
  cluster = await startRealCluster();
});

after(async () => {
  await cluster.stop();
});

test('the README example on atomix/atomix:3.1.12 forms through DNS discovery and serves a Raft counter', { timeout: 1_200_000 }, async (t) => {
  const run = await cluster.run('3.1.12');
  t.diagnostic(`apply -> Ready: ${(run.readyMs / 1000).toFixed(1)} s, ${String(run.pods)} pods`);
  assert.equal(run.pods, 4);
  assert.equal(run.incremented, '1');
  assert.equal(run.readBack, '1', 'the increment through one Raft member is read back through another');
});
