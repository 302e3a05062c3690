// The kubelet's atomic writer for ConfigMap, Secret and downwardAPI volumes: the files live in a
// timestamped directory that the `..data` symlink points at, each visible name is a symlink
// through `..data`, and an update swaps `..data` with one rename, so a reader never sees a mix.
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile, chown, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface ProjectedFile {
  /** Relative path inside the volume, e.g. "atomix.conf" or "conf/a.json". */
  path: string;
  content: Buffer;
  mode: number;
}

const DATA_LINK = '..data';

/** Writes `files` into `dir`; returns false when the volume already held exactly these files. */
export async function writeAtomically(dir: string, files: ProjectedFile[], group?: number): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const current = await readlink(join(dir, DATA_LINK)).catch(() => undefined);
  if (current !== undefined && (await holdsExactly(join(dir, current), files))) return false;

  const version = `..${new Date().toISOString().replace(/[-:.TZ]/g, '_')}${process.hrtime.bigint() % 1000000n}`;
  for (const file of files) {
    const target = join(dir, version, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.mode });
    // writeFile applies the umask; the volume's modes are exact.
    await chmod(target, file.mode);
    if (group !== undefined) await chown(target, 0, group);
  }
  await mkdir(join(dir, version), { recursive: true });
  const temporary = join(dir, '..data_tmp');
  await rm(temporary, { force: true });
  await symlink(version, temporary);
  await rename(temporary, join(dir, DATA_LINK));

  const visible = new Set(files.map((file) => file.path.split('/')[0] ?? file.path));
  for (const name of visible) {
    const link = join(dir, name);
    const existing = await lstat(link).catch(() => undefined);
    if (!existing) await symlink(join(DATA_LINK, name), link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..')) {
      if (name !== DATA_LINK && name !== version) await rm(join(dir, name), { recursive: true, force: true });
    } else if (!visible.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
  return true;
}

async function holdsExactly(versionDir: string, files: ProjectedFile[]): Promise<boolean> {
  const present = await listFiles(versionDir).catch(() => undefined);
  if (present === undefined || present.length !== files.length) return false;
  for (const file of files) {
    const path = join(versionDir, file.path);
    const [content, stats] = await Promise.all([readFile(path).catch(() => undefined), lstat(path).catch(() => undefined)]);
    if (!content?.equals(file.content) || (stats && (stats.mode & 0o7777) !== file.mode)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => (entry.isDirectory() ? listFiles(dir, join(prefix, entry.name)) : [join(prefix, entry.name)])),
  );
  return nested.flat();
}
