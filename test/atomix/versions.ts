// `npm run test:versions`: the README example through the operator on real pods, on every
// atomix/atomix:3.1.N image this node can build (one version at a time), and a table of the
// results. Exits 1 when a buildable version does not form a working cluster.
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { printTable } from '../support/table.js';
import { startRealCluster } from './readme-example-versions.js';

async function main(): Promise<void> {
  const store = new LocalImageStore({ log: (line) => console.error(line) });
  const cluster = await startRealCluster();
  const rows: string[][] = [];
  let failed = false;
  try {
    for (let patch = 0; patch <= 12; patch++) {
      const version = `3.1.${String(patch)}`;
      // Built here first, so the time to Ready below is the cluster's, not the build's.
      const image = await store.resolve(`atomix/atomix:${version}`);
      if (!image.ok) {
        rows.push([version, 'not buildable', '', '', 'not on Maven Central']);
        continue;
      }
      try {
        const run = await cluster.run(version);
        const works = run.incremented === '1' && run.readBack === '1';
        failed ||= !works;
        rows.push([version, works ? 'Ready, works' : 'FAILS', (run.readyMs / 1000).toFixed(1), `${run.incremented}/${run.readBack}`, `${String(run.pods)} pods`]);
      } catch (error) {
        failed = true;
        rows.push([version, 'FAILS', '', '', String(error).split('\n')[0] ?? '']);
      }
      console.error(`${version}: ${rows.at(-1)?.[1] ?? ''}`);
    }
  } finally {
    await cluster.stop();
  }
  printTable([['version', 'result', 'apply->Ready s', 'counter inc/read', 'detail'], ...rows]);
  process.exitCode = failed ? 1 : 0;
}

await main();
