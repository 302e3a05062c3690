import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeAtomically } from '../../../src/local/node/atomic-writer.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function volume(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-writer-'));
  dirs.push(dir);
  return dir;
}

const file = (path: string, content: string, mode = 0o644) => ({ path, content: Buffer.from(content), mode });

test('files are visible through ..data symlinks, with their modes', async () => {
  const dir = await volume();
  assert.equal(await writeAtomically(dir, [file('atomix.conf', 'v1', 0o600), file('sub/x.json', '{}')]), true);
  assert.equal(await readFile(join(dir, 'atomix.conf'), 'utf8'), 'v1');
  assert.equal(await readFile(join(dir, 'sub', 'x.json'), 'utf8'), '{}');
  assert.equal(await readlink(join(dir, 'atomix.conf')), '..data/atomix.conf');
  assert.equal((await stat(join(dir, 'atomix.conf'))).mode & 0o777, 0o600);
});

test('the same content is no write; an update swaps ..data, drops removed keys and the old version', async () => {
  const dir = await volume();
  await writeAtomically(dir, [file('a', '1'), file('b', '2')]);
  const first = await readlink(join(dir, '..data'));
  assert.equal(await writeAtomically(dir, [file('a', '1'), file('b', '2')]), false);
  assert.equal(await readlink(join(dir, '..data')), first);

  assert.equal(await writeAtomically(dir, [file('a', 'changed')]), true);
  assert.notEqual(await readlink(join(dir, '..data')), first);
  assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'changed');
  const entries = (await readdir(dir)).sort();
  assert.deepEqual(entries.filter((name) => !name.startsWith('..')), ['a']);
  assert.equal(entries.filter((name) => name.startsWith('..')).length, 2, '..data and one version directory');
});

test('a mode change alone is an update', async () => {
  const dir = await volume();
  await writeAtomically(dir, [file('a', '1', 0o644)]);
  assert.equal(await writeAtomically(dir, [file('a', '1', 0o400)]), true);
  assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o400);
});
