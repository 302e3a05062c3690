// The version matrix's CI cells (versions-matrix.ts; `npm run test:versions` runs every version): the
// three-group cluster through the operator on real pods on 3.1.5 and on 3.1.12. 3.1.5 is the last
// release before the membership protocol's wire change (3.1.6) and the last whose nodes never start
// without a partition group; 3.1.12 is the default, after that line, with the other start script
// (G1, JAVA_OPTS replaced) and the non-root user. The README example itself is in CI on 3.1.0
// (example-cluster.test.ts, as shipped) and on 3.1.12 (rollout-gates.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AtomixVersion } from '../../src/api/versions.js';
import { SUITE_TIMEOUT_MS, useRealCluster } from './real-cluster.js';
import { runMatrixCell, THREE_GROUPS_MEMORY_LIMIT } from './versions-matrix.js';

const CI_VERSIONS: readonly AtomixVersion[] = ['3.1.5', '3.1.12'];
/** What the operator's heap rule makes of the memory limit: half of it. */
const EXPECTED_HEAP = '256m';

describe('a raft, a primary-backup and a log group through the operator on real pods', { timeout: SUITE_TIMEOUT_MS }, () => {
  const real = useRealCluster();

  for (const version of CI_VERSIONS) {
    test(`on Atomix ${version}: Ready, and every group serves a write read back through another node`, async (t) => {
      const run = await runMatrixCell(real(), 'three groups', version);
      t.diagnostic(`apply -> Ready ${(run.readyMs / 1000).toFixed(1)} s; RSS ${run.jvms.map((jvm) => `${jvm.pod} ${String(jvm.rssMiB)} MiB`).join(', ')}`);
      assert.deepEqual(run.groupsWritten, ['raft', 'primary-backup', 'log']);
      for (const jvm of run.jvms) assert.equal(jvm.maxHeap, EXPECTED_HEAP, `${jvm.pod}: -Xmx from its ${THREE_GROUPS_MEMORY_LIMIT} limit`);
    });
  }
});
