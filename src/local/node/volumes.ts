// A pod's volumes on the host, as the kubelet prepares them before its containers start:
// ConfigMap, Secret, downwardAPI and projected volumes as files (atomic `..data` swaps, so an
// update of the ConfigMap or a renewed ServiceAccount token reaches running containers), emptyDirs, PVC-backed directories and
// hostPaths; fsGroup ownership applied the way the kubelet applies it.
import { chmod, chown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  V1ConfigMap,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Volume,
} from '@kubernetes/client-node';
import { writeAtomically, type ProjectedFile } from './atomic-writer.js';
import { fieldValue, type PodAddresses } from './env.js';
import { PodTokens, type RequestToken } from './service-account-tokens.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  claim(namespace: string, name: string): V1PersistentVolumeClaim | undefined;
  persistentVolume(name: string): V1PersistentVolume | undefined;
  serviceAccountToken: RequestToken;
}

/** A volume that cannot be set up yet (missing ConfigMap, unbound claim, …): the pod waits in ContainerCreating. */
class VolumeError extends Error {}

const DEFAULT_MODE = 0o644;

export class PodVolumes {
  /** Volumes whose fsGroup ownership was already applied (once per pod, as the kubelet does at mount). */
  private readonly owned = new Set<string>();
  private readonly tokens: PodTokens;

  constructor(
    private readonly podDir: string,
    private readonly sources: VolumeSources,
  ) {
    this.tokens = new PodTokens(sources.serviceAccountToken);
  }

  /** When the volumes must be set up again although nothing changed: a ServiceAccount token to renew. */
  get refreshDueAt(): number | undefined {
    return this.tokens.refreshDueAt;
  }

  /** Creates or refreshes every volume; returns the host path of each. Throws VolumeError when one cannot be set up. */
  async setUp(pod: V1Pod, addresses: PodAddresses): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    for (const volume of pod.spec?.volumes ?? []) {
      const path = await this.setUpVolume(pod, volume, addresses, fsGroup);
      paths.set(volume.name, path);
    }
    return paths;
  }

  /** Removes what the pod's volumes left on the host (never PV directories or hostPaths). */
  async tearDown(): Promise<void> {
    await rm(this.podDir, { recursive: true, force: true });
  }

  private async setUpVolume(pod: V1Pod, volume: V1Volume, addresses: PodAddresses, fsGroup: number | undefined): Promise<string> {
    const namespace = pod.metadata?.namespace ?? '';
    const dir = join(this.podDir, 'volumes', volume.name);
    if (volume.configMap || volume.secret || volume.downwardAPI || volume.projected) {
      const files = await this.projectedFiles(pod, volume, addresses);
      await writeAtomically(dir, files, fsGroup);
      return dir;
    }
    if (volume.emptyDir) {
      if (!this.owned.has(volume.name) && (await mkdir(dir, { recursive: true })) !== undefined) await chmod(dir, 0o777);
      await this.applyFsGroup(volume.name, dir, pod);
      return dir;
    }
    if (volume.persistentVolumeClaim) {
      const path = this.claimPath(namespace, volume.persistentVolumeClaim.claimName);
      await this.applyFsGroup(volume.name, path, pod);
      return path;
    }
    if (volume.hostPath) {
      if (volume.hostPath.type === 'DirectoryOrCreate') await mkdir(volume.hostPath.path, { recursive: true });
      return volume.hostPath.path;
    }
    const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
    throw new VolumeError(`volume "${volume.name}": ${kind} volumes are not supported by the local node`);
  }

  private async projectedFiles(pod: V1Pod, volume: V1Volume, addresses: PodAddresses): Promise<ProjectedFile[]> {
    const namespace = pod.metadata?.namespace ?? '';
    if (volume.configMap) {
      const { name = '', items, optional, defaultMode } = volume.configMap;
      return keyFiles(this.configMapData(namespace, name, optional), items, defaultMode, `configmap "${name}"`);
    }
    if (volume.secret) {
      const { secretName = '', items, optional, defaultMode } = volume.secret;
      return keyFiles(await this.secretData(namespace, secretName, optional), items, defaultMode, `secret "${secretName}"`);
    }
    if (volume.downwardAPI) return downwardFiles(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode, addresses);
    const projected = volume.projected;
    const files: ProjectedFile[] = [];
    for (const source of projected?.sources ?? []) {
      if (source.configMap) {
        const { name = '', items, optional } = source.configMap;
        files.push(...keyFiles(this.configMapData(namespace, name, optional), items, projected?.defaultMode, `configmap "${name}"`));
      } else if (source.secret) {
        const { name = '', items, optional } = source.secret;
        files.push(...keyFiles(await this.secretData(namespace, name, optional), items, projected?.defaultMode, `secret "${name}"`));
      } else if (source.downwardAPI) {
        files.push(...downwardFiles(pod, source.downwardAPI.items ?? [], projected?.defaultMode, addresses));
      } else if (source.serviceAccountToken) {
        const token = await this.tokens.token(pod, source.serviceAccountToken).catch((error: unknown) => {
          throw new VolumeError(`volume "${volume.name}": cannot get a ServiceAccount token: ${error instanceof Error ? error.message : String(error)}`);
        });
        files.push({ path: source.serviceAccountToken.path, content: Buffer.from(token), mode: projected?.defaultMode ?? DEFAULT_MODE });
      } else {
        throw new VolumeError(`volume "${volume.name}": only configMap, secret, downwardAPI and serviceAccountToken projections are supported by the local node`);
      }
    }
    return files;
  }

  private configMapData(namespace: string, name: string, optional: boolean | undefined): Map<string, Buffer> | undefined {
    const configMap = this.sources.configMap(namespace, name);
    if (!configMap) {
      if (optional) return undefined;
      throw new VolumeError(`configmap "${name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(configMap.data ?? {})) data.set(key, Buffer.from(value));
    for (const [key, value] of Object.entries(configMap.binaryData ?? {})) data.set(key, Buffer.from(value, 'base64'));
    return data;
  }

  private async secretData(namespace: string, name: string, optional: boolean | undefined): Promise<Map<string, Buffer> | undefined> {
    const secret = await this.sources.secret(namespace, name);
    if (!secret) {
      if (optional) return undefined;
      throw new VolumeError(`secret "${name}" not found`);
    }
    return new Map(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  }

  private claimPath(namespace: string, claimName: string): string {
    const claim = this.sources.claim(namespace, claimName);
    if (!claim) throw new VolumeError(`persistentvolumeclaim "${claimName}" not found`);
    const volumeName = claim.spec?.volumeName;
    if (!volumeName || claim.status?.phase !== 'Bound') throw new VolumeError(`persistentvolumeclaim "${claimName}" is not bound`);
    const volume = this.sources.persistentVolume(volumeName);
    const path = volume?.spec?.hostPath?.path ?? volume?.spec?.local?.path;
    if (!path) throw new VolumeError(`persistentvolume "${volumeName}" has no local directory (only hostPath and local volumes can be mounted here)`);
    return path;
  }

  /**
   * What the kubelet does for fsGroup: the volume's files belong to that group, are group
   * read-writable, and directories are setgid so new files inherit the group. With
   * fsGroupChangePolicy OnRootMismatch a root that already looks right is left alone.
   */
  private async applyFsGroup(volumeName: string, path: string, pod: V1Pod): Promise<void> {
    const context = pod.spec?.securityContext;
    const group = context?.fsGroup;
    if (group === undefined || this.owned.has(volumeName)) return;
    this.owned.add(volumeName);
    if (context?.fsGroupChangePolicy === 'OnRootMismatch') {
      const root = await lstat(path);
      if (root.gid === group && (root.mode & 0o2070) === 0o2070) return;
    }
    await ownRecursively(path, group);
  }
}

function keyFiles(data: Map<string, Buffer> | undefined, items: V1KeyToPath[] | undefined, defaultMode: number | undefined, what: string): ProjectedFile[] {
  if (data === undefined) return [];
  const mode = defaultMode ?? DEFAULT_MODE;
  if (!items?.length) return [...data].map(([key, content]) => ({ path: key, content, mode }));
  return items.map((item) => {
    const content = data.get(item.key);
    if (content === undefined) throw new VolumeError(`${what} references non-existent key: ${item.key}`);
    return { path: item.path, content, mode: item.mode ?? mode };
  });
}

function downwardFiles(pod: V1Pod, items: V1DownwardAPIVolumeFile[], defaultMode: number | undefined, addresses: PodAddresses): ProjectedFile[] {
  return items.map((item) => {
    if (!item.fieldRef) throw new VolumeError(`downwardAPI item ${item.path}: only fieldRef items are supported by the local node`);
    return { path: item.path, content: Buffer.from(fieldValue(item.fieldRef, pod, addresses)), mode: item.mode ?? defaultMode ?? DEFAULT_MODE };
  });
}

async function ownRecursively(path: string, group: number): Promise<void> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) return;
  await chown(path, stats.uid, group);
  const groupBits = stats.isDirectory() ? 0o2070 : 0o060;
  await chmod(path, (stats.mode & 0o7777) | groupBits);
  if (!stats.isDirectory()) return;
  for (const entry of await readdir(path)) await ownRecursively(join(path, entry), group);
}
