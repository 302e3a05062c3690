// `npm run test:images`: resolves atomix/atomix:<every 3.1 release> and atomix/atomix-bench:latest,
// boots each image that builds with its own entrypoint (one node; the bench node joins a 3.1.0
// node), and prints a table. Exits 1 when an image that builds does not boot.
import { ATOMIX_VERSIONS } from '../../src/api/versions.js';
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { printTable } from '../support/table.js';
import { checkAtomixImage, checkBenchImage, type ImageCheck } from './image-boot.js';

interface Row {
  image: string;
  outcome: 'boots' | 'not buildable' | 'FAILS';
  atomix: string;
  resolveS: string;
  startS: string;
  detail: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function row(image: string, check: () => Promise<ImageCheck>, store: LocalImageStore): Promise<Row> {
  const resolution = await store.resolve(image);
  if (!resolution.ok) return { image, outcome: 'not buildable', atomix: '', resolveS: '', startS: '', detail: resolution.message.replace(/ \(published .*$/, '') };
  try {
    const result = await check();
    return { image, outcome: 'boots', atomix: result.atomixVersion ?? '?', resolveS: seconds(result.resolveMs), startS: seconds(result.startMs), detail: `counter ${result.counter}` };
  } catch (error) {
    return { image, outcome: 'FAILS', atomix: '', resolveS: '', startS: '', detail: String(error).split('\n')[0] ?? '' };
  }
}

async function main(): Promise<void> {
  const store = new LocalImageStore({ log: (line) => console.error(line) });
  const rows: Row[] = [];
  for (const version of ATOMIX_VERSIONS) {
    const image = `atomix/atomix:${version}`;
    const result = await row(image, () => checkAtomixImage(store, image), store);
    rows.push(result);
    console.error(`${image}: ${result.outcome}`);
  }
  rows.push(await row('atomix/atomix-bench:latest', () => checkBenchImage(store, 'atomix/atomix:3.1.0'), store));
  printTable([
    ['image', 'result', 'runs Atomix', 'resolve s', 'start s', 'detail'],
    ...rows.map((r) => [r.image, r.outcome, r.atomix, r.resolveS, r.startS, r.detail]),
  ]);
  process.exitCode = rows.some((r) => r.outcome === 'FAILS') ? 1 : 0;
}

await main();
