// The local volume provisioner, in the roles of a CSI driver's external-provisioner and
// external-resizer: StorageClasses `standard` (default) and `fast-disks`; each claim of one of
// them gets a PV backed by its own directory, which outlives pods and is removed only with
// the PV when the reclaim policy says Delete; a larger request grows PV and claim capacity.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/client.js';
import { statusCodeOf } from '../../kube/errors.js';
import type { Informer } from '../../kube/informer.js';
import { compareQuantities, parseQuantity } from '../../kube/quantity.js';
import { objectPath, collectionPath, resources } from '../../kube/resources.js';

const PROVISIONER = 'local.atomix.io/directory';
/** Marks the PersistentVolumes provisioned here, with the uid of their claim. */
const PROVISIONED_FOR_CLAIM_LABEL = 'local.atomix.io/provisioned-for-claim';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

/**
 * Immediate binding: the scheduler here runs without its VolumeBinding plugin (see
 * control-plane.ts), so nothing would pick a node for WaitForFirstConsumer; every node is
 * this machine anyway.
 */
const STORAGE_CLASSES: V1StorageClass[] = [
  storageClass('standard', true),
  // The seed's class: the README example names it.
  storageClass('fast-disks', false),
];

function storageClass(name: string, isDefault: boolean): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, ...(isDefault ? { annotations: { [DEFAULT_CLASS]: 'true' } } : {}) },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
    allowVolumeExpansion: true,
  };
}

export interface ProvisionerInformers {
  claims: Informer<V1PersistentVolumeClaim>;
  volumes: Informer<V1PersistentVolume>;
  classes: Informer<V1StorageClass>;
}

export class LocalProvisioner {
  /** Claims and volumes with a request in flight, so a burst of events sends it once. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly informers: ProvisionerInformers,
    /** PV directories are created below this directory. */
    private readonly volumeDir: string,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    for (const body of STORAGE_CLASSES) {
      await this.client.request({ method: 'POST', path: collectionPath(resources.storageClasses), body }).catch(unlessStatus(409));
    }
    this.informers.claims.addHandler({ onAdd: (claim) => this.onClaim(claim), onUpdate: (_, claim) => this.onClaim(claim) });
    this.informers.volumes.addHandler({ onAdd: (volume) => this.onVolume(volume), onUpdate: (_, volume) => this.onVolume(volume) });
  }

  private classOf(claim: V1PersistentVolumeClaim): V1StorageClass | undefined {
    const name = claim.spec?.storageClassName;
    const found = name ? this.informers.classes.store.get(undefined, name) : undefined;
    return found?.provisioner === PROVISIONER ? found : undefined;
  }

  private onClaim(claim: V1PersistentVolumeClaim): void {
    const storageClass = this.classOf(claim);
    if (!storageClass || claim.metadata?.deletionTimestamp) return;
    if (!claim.spec?.volumeName && (claim.status?.phase ?? 'Pending') === 'Pending') this.once(`claim/${claim.metadata?.uid ?? ''}`, () => this.provision(claim, storageClass));
    else if (claim.status?.phase === 'Bound' && storageClass.allowVolumeExpansion) this.once(`resize/${claim.metadata?.uid ?? ''}`, () => this.expand(claim));
  }

  private async provision(claim: V1PersistentVolumeClaim, storageClass: V1StorageClass): Promise<void> {
    const { name = '', namespace = '', uid = '' } = claim.metadata ?? {};
    const volumeName = `pvc-${uid}`;
    if (this.informers.volumes.store.get(undefined, volumeName)) return;
    const path = join(this.volumeDir, volumeName);
    await mkdir(path, { recursive: true });
    const volume: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: volumeName, labels: { [PROVISIONED_FOR_CLAIM_LABEL]: uid }, annotations: { [PROVISIONED_BY]: PROVISIONER } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '1Gi' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        storageClassName: storageClass.metadata?.name ?? '',
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        hostPath: { path, type: 'Directory' },
        // Pre-bound, so the PV controller binds exactly this claim to it.
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
      },
    };
    await this.client.request({ method: 'POST', path: collectionPath(resources.persistentVolumes), body: volume }).catch(unlessStatus(409));
    this.log(`provisioned ${volumeName} (${path}) for claim ${namespace}/${name}`);
  }

  /** What external-resizer and the kubelet do for a filesystem volume: here a directory has no size to grow. */
  private async expand(claim: V1PersistentVolumeClaim): Promise<void> {
    const requested = claim.spec?.resources?.requests?.['storage'];
    const capacity = claim.status?.capacity?.['storage'];
    const volumeName = claim.spec?.volumeName ?? '';
    if (!requested || !capacity || !isLarger(requested, capacity)) return;
    const volume = this.informers.volumes.store.get(undefined, volumeName);
    if (!volume || volume.metadata?.annotations?.[PROVISIONED_BY] !== PROVISIONER) return;
    const merge = 'application/merge-patch+json';
    if (isLarger(requested, volume.spec?.capacity?.['storage'] ?? '0')) {
      await this.client.request({
        method: 'PATCH',
        path: objectPath(resources.persistentVolumes, undefined, volumeName),
        contentType: merge,
        body: { spec: { capacity: { storage: requested } } },
      });
    }
    const { name = '', namespace = '' } = claim.metadata ?? {};
    await this.client.request({
      method: 'PATCH',
      path: `${objectPath(resources.persistentVolumeClaims, namespace, name)}/status`,
      contentType: merge,
      body: { status: { capacity: { storage: requested }, allocatedResources: { storage: requested }, conditions: null } },
    });
    this.log(`expanded ${volumeName} of claim ${namespace}/${name} from ${capacity} to ${requested}`);
  }

  /** Reclaim: a released volume of ours with policy Delete loses its directory, then its object. */
  private onVolume(volume: V1PersistentVolume): void {
    const phase = volume.status?.phase;
    const ours = volume.metadata?.annotations?.[PROVISIONED_BY] === PROVISIONER;
    if (!ours || volume.metadata?.deletionTimestamp || (phase !== 'Released' && phase !== 'Failed')) return;
    if (volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const name = volume.metadata?.name ?? '';
    this.once(`volume/${name}`, async () => {
      const path = volume.spec?.hostPath?.path;
      if (path?.startsWith(this.volumeDir)) await rm(path, { recursive: true, force: true });
      await this.client.request({ method: 'DELETE', path: objectPath(resources.persistentVolumes, undefined, name) }).catch(unlessStatus(404));
      this.log(`deleted ${name} and its directory (reclaim policy Delete)`);
    });
  }

  private once(key: string, work: () => Promise<void>): void {
    if (this.busy.has(key)) return;
    this.busy.add(key);
    work()
      .catch((error: unknown) => {
        if (statusCodeOf(error) !== 409) this.log(`provisioner: ${key} failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.busy.delete(key));
  }
}

function isLarger(a: string, b: string): boolean {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  return left !== undefined && right !== undefined && compareQuantities(left, right) > 0;
}

export function unlessStatus(code: number): (error: unknown) => void {
  return (error) => {
    if (statusCodeOf(error) !== code) throw error;
  };
}
