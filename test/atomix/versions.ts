// `npm run test:versions`: the version matrix. For every Atomix 3.1 release (src/api/versions.ts)
// whose atomix/atomix image this node can build, the README example and the three-group cluster
// through the operator on real pods (versions-matrix.ts), one cluster at a time on one control
// plane, and a table: time to Ready, the groups written and read back, the JVMs' resident memory
// and -Xmx. Exits 1 when a buildable version does not form a working cluster.
import { loadavg } from 'node:os';
import { ATOMIX_VERSIONS } from '../../src/api/versions.js';
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { printTable } from '../support/table.js';
import { startRealCluster } from './real-cluster.js';
import { MATRIX_SHAPES, runMatrixCell, type MatrixRun } from './versions-matrix.js';

const HEADER = ['version', 'cluster', 'result', 'apply->Ready s', 'written and read back', 'JVMs', 'RSS MiB', '-Xmx'];

function row(run: MatrixRun): string[] {
  const rss = run.jvms.map((jvm) => jvm.rssMiB);
  return [
    run.version,
    run.shape,
    'Ready, works',
    (run.readyMs / 1000).toFixed(1),
    run.groupsWritten.join(', '),
    String(run.jvms.length),
    `${String(Math.min(...rss))}-${String(Math.max(...rss))}`,
    [...new Set(run.jvms.map((jvm) => jvm.maxHeap))].join(', '),
  ];
}

async function main(): Promise<void> {
  const store = new LocalImageStore({ log: (line) => console.error(line) });
  const running = await startRealCluster();
  const rows: string[][] = [];
  let failed = false;
  const startedAt = new Date();
  try {
    for (const version of ATOMIX_VERSIONS) {
      // Built here first, so the time to Ready below is the cluster's, not the build's.
      if (!(await store.resolve(`atomix/atomix:${version}`)).ok) {
        rows.push([version, '', 'not buildable: not on Maven Central']);
        continue;
      }
      for (const shape of MATRIX_SHAPES) {
        try {
          rows.push(row(await runMatrixCell(running.cluster, shape, version)));
        } catch (error) {
          failed = true;
          rows.push([version, shape, 'FAILS', '', String(error).split('\n')[0] ?? '']);
        }
        console.error(`${version} ${shape}: ${rows.at(-1)?.[2] ?? ''}`);
      }
    }
  } finally {
    await running.stop();
  }
  console.log(`${startedAt.toISOString()}, ${((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)} min, load average at the end ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  printTable([HEADER, ...rows]);
  process.exitCode = failed ? 1 : 0;
}

await main();
