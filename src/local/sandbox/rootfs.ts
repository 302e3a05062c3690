// A container's root directory: a skeleton under the pod's state directory whose mount points
// are filled, inside the pod's private mount namespace, from an fstab this module writes:
// the host's /usr (and /bin, /lib… as the host has them) read-only, /etc as a read-only
// overlay of the pod's generated files over the host's /etc, a few devices, sysfs, and then
// the container's own mounts (image content, volumes) in their order. Nothing is mounted in
// the host's namespace, and nothing is created outside the state directory.
import { existsSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Mount, SandboxSpec } from './types.js';

/** Host directories shown read-only (or, where the host has them as symlinks, as the same symlinks). */
const SYSTEM_DIRECTORIES = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
/** Top-level directories whose content the sandbox provides itself; no volume may be mounted inside them. */
const RESERVED = new Set([...SYSTEM_DIRECTORIES, 'proc', 'sys', 'dev']);
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
const DEVICE_LINKS: Record<string, string> = { fd: '/proc/self/fd', stdin: '/proc/self/fd/0', stdout: '/proc/self/fd/1', stderr: '/proc/self/fd/2' };
/** Writable directories of the container's own layer (it is a fresh one for each container start). */
const SCRATCH_DIRECTORIES: Record<string, number> = { tmp: 0o1777, 'var/tmp': 0o1777, run: 0o755, root: 0o700 };

/** /etc/hosts, /etc/hostname and /etc/resolv.conf of a pod, as the kubelet writes them. */
export function podEtcFiles(spec: SandboxSpec, podIp: string): Record<string, string> {
  const names = spec.subdomain ? [`${spec.hostname}.${spec.subdomain}.${spec.namespace}.svc.${spec.clusterDomain}`, spec.hostname] : [spec.hostname];
  const hosts = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${podIp}\t${names.join('\t')}`,
  ];
  return { hosts: `${hosts.join('\n')}\n`, hostname: `${spec.hostname}\n`, 'resolv.conf': spec.resolvConf };
}

export function writePodEtc(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

export interface ContainerRoot {
  root: string;
  fstab: string;
}

/**
 * Builds the skeleton of a container's root in `dir` and the fstab that mounts it; `podEtc` holds
 * the pod's generated /etc files. Throws, naming the path, for mounts it cannot place.
 */
export function prepareContainerRoot(dir: string, podEtc: string, mounts: Mount[], workingDir: string): ContainerRoot {
  const root = join(dir, 'root');
  const etcLayer = join(dir, 'etc');
  mkdirSync(root, { recursive: true });
  mkdirSync(etcLayer);
  // The root is bound onto itself so that one recursive unmount takes everything off it again.
  const entries: string[][] = [[root, root, 'none', 'bind']];

  for (const name of SYSTEM_DIRECTORIES) {
    const host = `/${name}`;
    if (!existsSync(host)) continue;
    if (lstatSync(host).isSymbolicLink()) {
      symlinkSync(readlinkSync(host), join(root, name));
    } else {
      mkdirSync(join(root, name));
      entries.push([host, join(root, name), 'none', 'bind,ro']);
    }
  }
  mkdirSync(join(root, 'etc'));
  entries.push(['overlay', join(root, 'etc'), 'overlay', `ro,lowerdir=${etcLayer}:${podEtc}:/etc`]);
  mkdirSync(join(root, 'proc'));
  mkdirSync(join(root, 'sys'));
  entries.push(['sysfs', join(root, 'sys'), 'sysfs', 'ro,nosuid,nodev,noexec']);
  mkdirSync(join(root, 'dev', 'shm'), { recursive: true });
  for (const device of DEVICES) {
    writeFileSync(join(root, 'dev', device), '');
    entries.push([`/dev/${device}`, join(root, 'dev', device), 'none', 'bind']);
  }
  for (const [name, target] of Object.entries(DEVICE_LINKS)) symlinkSync(target, join(root, 'dev', name));
  entries.push(['tmpfs', join(root, 'dev', 'shm'), 'tmpfs', 'nosuid,nodev,mode=1777']);
  for (const [path, mode] of Object.entries(SCRATCH_DIRECTORIES)) {
    mkdirSync(join(root, path), { recursive: true });
    chmodSync(join(root, path), mode);
  }

  const placed: PlacedMount[] = [];
  const layers = join(dir, 'layers');
  for (const mount of mounts) {
    const isDirectory = sourceIsDirectory(mount);
    createPath({ root, etcLayer, layers, placed }, mount.containerPath, isDirectory ? 'directory' : 'file');
    placed.push({ mount });
  }
  createPath({ root, etcLayer, layers, placed }, workingDir, 'directory');
  for (const { mount, layer } of placed) {
    const target = join(root, mount.containerPath);
    if (layer === undefined) entries.push([mount.hostPath, target, 'none', mount.readOnly ? 'bind,ro' : 'bind']);
    else entries.push(['overlay', target, 'overlay', `ro,lowerdir=${checkLowerDir(layer)}:${checkLowerDir(mount.hostPath)}`]);
  }

  const fstab = join(dir, 'fstab');
  writeFileSync(fstab, entries.map((fields) => `${fields.map(escapeFstabField).join(' ')} 0 0\n`).join(''));
  return { root, fstab };
}

function sourceIsDirectory(mount: Mount): boolean {
  try {
    return statSync(mount.hostPath).isDirectory();
  } catch {
    throw new Error(`mount ${mount.containerPath}: its source ${mount.hostPath} does not exist`);
  }
}

interface PlacedMount {
  mount: Mount;
  /**
   * Mount points that later mounts need inside this read-only mount but its source lacks: the
   * mount becomes a read-only overlay of this layer over its source, which stays untouched
   * (what the container's own layer does for a real runtime).
   */
  layer?: string;
}

interface RootLayout {
  root: string;
  etcLayer: string;
  layers: string;
  placed: PlacedMount[];
}

/**
 * Makes sure `containerPath` exists in the container's root: in the skeleton, in the /etc
 * layer, or inside an earlier mount (in a writable one's source, in a read-only one's layer).
 */
function createPath(layout: RootLayout, containerPath: string, kind: 'directory' | 'file'): void {
  const path = checkContainerPath(containerPath);
  if (path === '/') return;
  const [top = ''] = path.split('/').filter(Boolean);
  if (RESERVED.has(top)) throw new Error(`path ${path}: /${top} is provided by the sandbox (the host's system or kernel files); choose another path`);
  const enclosing = layout.placed.filter(({ mount }) => path.startsWith(`${mount.containerPath.replace(/\/$/, '')}/`)).at(-1);
  if (enclosing) {
    const relative = posix.relative(enclosing.mount.containerPath, path);
    if (existsSync(join(enclosing.mount.hostPath, relative))) return;
    if (!enclosing.mount.readOnly) {
      createEntry(join(enclosing.mount.hostPath, relative), kind);
      return;
    }
    enclosing.layer ??= join(layout.layers, String(layout.placed.indexOf(enclosing)));
    createEntry(join(enclosing.layer, relative), kind);
    return;
  }
  const target = top === 'etc' ? join(layout.etcLayer, posix.relative('/etc', path)) : join(layout.root, path);
  if (existsSync(target) || target === layout.etcLayer) return;
  createEntry(target, kind);
}

function createEntry(path: string, kind: 'directory' | 'file'): void {
  if (kind === 'directory') {
    mkdirSync(path, { recursive: true });
  } else {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '');
  }
}

/** Overlay mount options separate lower directories with ':' and options with ','. */
function checkLowerDir(path: string): string {
  if (/[:,\s\\]/.test(path)) throw new Error(`cannot place mount points inside ${path}: its path has ':', ',', '\\' or whitespace`);
  return path;
}

function checkContainerPath(path: string): string {
  if (!path.startsWith('/') || posix.normalize(path) !== path.replace(/(.)\/$/, '$1') || path.includes('\0')) {
    throw new Error(`path "${path}" must be absolute and normalized (no "..", "." or "//")`);
  }
  return posix.normalize(path);
}

/** fstab fields escape whitespace and backslashes as octal, as getmntent(3) reads them. */
function escapeFstabField(field: string): string {
  return field.replace(/[\\\s]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
