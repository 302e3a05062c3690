import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  type KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from '@kubernetes/client-node';
import { describeError } from './kubeconfig.js';
import { statusCodeOf } from '../kube/errors.js';
import { watchResource, type ResourceWatch, type WatchEventType } from './resource-watch.js';

/** Pods annotated with this set to "false" run but never become Ready. */
export const readinessAnnotation = 'local.atomix.io/ready';
/** Marks the PersistentVolumes the agent provisioned, with the uid of their claim. */
export const provisionedForClaimLabel = 'local.atomix.io/provisioned-for-claim';

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  nodeCount: number;
  /** hostPath volumes are created below this directory. */
  volumeDir: string;
  log?: (line: string) => void;
  heartbeatIntervalMs?: number;
}

interface LocalNode {
  name: string;
  index: number;
  address: string;
  readySince: string;
  podsStarted: number;
}

type JsonPatch = { op: 'add' | 'test'; path: string; value: unknown }[];

/**
 * Stands in for the kubelets of a few nodes: it registers Ready nodes, reports
 * the pods bound to them as running, finalizes pods being deleted and provisions
 * a hostPath volume for every pending claim. No container ever runs.
 */
export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly log: (line: string) => void;
  private readonly nodes = new Map<string, LocalNode>();
  private readonly watches: ResourceWatch[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(private readonly options: NodeAgentOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.log = options.log ?? (() => {});
    for (let index = 1; index <= options.nodeCount; index++) {
      const name = `local-node-${index}`;
      this.nodes.set(name, { name, index, address: `10.0.0.${index}`, readySince: timestamp(), podsStarted: 0 });
    }
  }

  static async start(options: NodeAgentOptions): Promise<NodeAgent> {
    const agent = new NodeAgent(options);
    await Promise.all([...agent.nodes.values()].map((node) => agent.registerNode(node)));
    agent.watchPods();
    agent.watchClaims();
    agent.heartbeat = setInterval(() => agent.reportNodeConditions(), options.heartbeatIntervalMs ?? 30_000);
    return agent;
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.watches.forEach((watch) => watch.stop());
    await Promise.allSettled([...this.inFlight]);
  }

  private async registerNode(node: LocalNode): Promise<void> {
    const labels = {
      'kubernetes.io/hostname': node.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
    };
    await this.core.createNode({ body: { metadata: { name: node.name, labels } } }).catch(unlessStatus(409));
    // The TaintNodesByCondition admission plugin taints every new node as not
    // ready; the node lifecycle controller that would lift the taint does not run.
    await this.core.patchNode({ name: node.name, body: [{ op: 'add', path: '/spec/taints', value: [] }] });
    await this.core.patchNodeStatus({ name: node.name, body: [{ op: 'add', path: '/status', value: nodeStatus(node) }] });
  }

  private reportNodeConditions(): void {
    for (const node of this.nodes.values()) {
      const body = [{ op: 'add', path: '/status/conditions', value: nodeStatus(node).conditions }];
      this.track(this.core.patchNodeStatus({ name: node.name, body }), `heartbeat of ${node.name}`);
    }
  }

  private watchPods(): void {
    const target = {
      path: '/api/v1/pods',
      fieldSelector: 'spec.nodeName!=',
      list: () => this.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=' }),
    };
    this.watches.push(watchResource(this.options.kubeConfig, target, (type, pod) => this.onPod(type, pod), this.log));
  }

  private watchClaims(): void {
    const target = {
      path: '/api/v1/persistentvolumeclaims',
      list: () => this.core.listPersistentVolumeClaimForAllNamespaces(),
    };
    this.watches.push(watchResource(this.options.kubeConfig, target, (type, claim) => this.onClaim(type, claim), this.log));
  }

  private onPod(type: WatchEventType, pod: V1Pod): void {
    const node = this.nodes.get(pod.spec?.nodeName ?? '');
    if (type === 'DELETED' || node === undefined) return;
    if (pod.metadata?.deletionTimestamp) {
      this.finalizePod(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const ready = pod.metadata?.annotations?.[readinessAnnotation] !== 'false';
    if (isRunning(pod, ready)) return;
    const podIP = pod.status?.podIP ?? podAddress(node, ++node.podsStarted);
    const body: JsonPatch = [
      // Patch only the version we looked at; a newer one arrives as its own event.
      { op: 'test', path: '/metadata/resourceVersion', value: pod.metadata?.resourceVersion },
      { op: 'add', path: '/status', value: runningStatus(pod, node.address, podIP, ready) },
    ];
    const { name = '', namespace = '' } = pod.metadata ?? {};
    this.track(this.core.patchNamespacedPodStatus({ name, namespace, body }), `status of pod ${namespace}/${name}`);
  }

  /** What the kubelet does once the containers stopped: remove the pod for good. */
  private finalizePod(pod: V1Pod): void {
    const { name = '', namespace = '', uid } = pod.metadata ?? {};
    // The uid precondition protects a StatefulSet's replacement pod of the same name.
    const deletion = this.core.deleteNamespacedPod({
      name,
      namespace,
      gracePeriodSeconds: 0,
      body: { gracePeriodSeconds: 0, preconditions: { uid } },
    });
    this.track(deletion, `deletion of pod ${namespace}/${name}`);
  }

  private onClaim(type: WatchEventType, claim: V1PersistentVolumeClaim): void {
    const uid = claim.metadata?.uid ?? '';
    if (type === 'DELETED') {
      const labelSelector = `${provisionedForClaimLabel}=${uid}`;
      this.track(this.core.deleteCollectionPersistentVolume({ labelSelector }), `volume of deleted claim ${uid}`);
      return;
    }
    const pending = (claim.status?.phase ?? 'Pending') === 'Pending';
    if (!pending || claim.spec?.volumeName || claim.metadata?.deletionTimestamp) return;
    const volumeName = `pvc-${uid}`;
    const hostPath = join(this.options.volumeDir, volumeName);
    mkdirSync(hostPath, { recursive: true });
    const creation = this.core.createPersistentVolume({ body: volumeFor(claim, volumeName, hostPath) });
    this.track(creation, `volume for claim ${claim.metadata?.namespace}/${claim.metadata?.name}`);
  }

  /**
   * Runs a request in the background. Conflicts and missing objects are normal
   * here (the watch delivers the newer state as another event), so only other
   * failures are logged.
   */
  private track(request: Promise<unknown>, what: string): void {
    const settled = request
      .catch((error: unknown) => {
        const code = statusCodeOf(error);
        if (code !== 404 && code !== 409 && code !== 422) this.log(`node agent: ${what} failed: ${describeError(error)}`);
      })
      .finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }
}

function unlessStatus(code: number): (error: unknown) => void {
  return (error) => {
    if (statusCodeOf(error) !== code) throw error;
  };
}

/** RFC 3339 without fractions, the precision Kubernetes keeps for timestamps. */
function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function podAddress(node: LocalNode, ordinal: number): string {
  const host = ordinal + 1;
  return `10.${node.index}.${host >> 8}.${host & 255}`;
}

function nodeStatus(node: LocalNode) {
  const now = timestamp();
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    lastHeartbeatTime: now,
    lastTransitionTime: node.readySince,
  });
  const resources = { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '1Ti' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition('Ready', 'True', 'KubeletReady'),
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
    ],
    addresses: [
      { type: 'InternalIP', address: node.address },
      { type: 'Hostname', address: node.name },
    ],
    nodeInfo: {
      machineID: node.name,
      systemUUID: node.name,
      bootID: node.name,
      kernelVersion: 'local',
      osImage: 'atomix-operator local node agent',
      containerRuntimeVersion: 'local://0',
      kubeletVersion: 'v0.0.0-local',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

function isRunning(pod: V1Pod, ready: boolean): boolean {
  const status = pod.status;
  const readyCondition = status?.conditions?.find((condition) => condition.type === 'Ready');
  const containers = status?.containerStatuses ?? [];
  return (
    status?.phase === 'Running' &&
    readyCondition?.status === (ready ? 'True' : 'False') &&
    containers.length === (pod.spec?.containers.length ?? 0) &&
    containers.every((container) => container.ready === ready)
  );
}

function runningStatus(pod: V1Pod, hostIP: string, podIP: string, ready: boolean) {
  const now = timestamp();
  const previous = pod.status ?? {};
  const condition = (type: string, isTrue: boolean) => {
    const status = isTrue ? 'True' : 'False';
    const before = previous.conditions?.find((existing) => existing.type === type);
    return { type, status, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
  };
  const ours = [
    condition('PodReadyToStartContainers', true),
    condition('Initialized', true),
    condition('ContainersReady', ready),
    condition('Ready', ready),
    condition('PodScheduled', true),
  ];
  const others = (previous.conditions ?? []).filter((existing) => !ours.some((own) => own.type === existing.type));
  const startedAt = previous.startTime ?? now;
  const containerID = (name: string) => `local://${pod.metadata?.uid}/${name}`;
  return {
    ...previous,
    phase: 'Running',
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: startedAt,
    conditions: [...ours, ...others],
    initContainerStatuses: (pod.spec?.initContainers ?? []).map(({ name, image }) => ({
      name,
      image,
      imageID: image,
      containerID: containerID(name),
      ready: true,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt } },
    })),
    containerStatuses: pod.spec?.containers.map(({ name, image }) => ({
      name,
      image,
      imageID: image,
      containerID: containerID(name),
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt } },
    })),
  };
}

function volumeFor(claim: V1PersistentVolumeClaim, volumeName: string, hostPath: string): V1PersistentVolume {
  const { name = '', namespace = '', uid = '' } = claim.metadata ?? {};
  return {
    metadata: { name: volumeName, labels: { [provisionedForClaimLabel]: uid } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      storageClassName: claim.spec?.storageClassName ?? '',
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      // Retain: no volume plugin here could delete it; the agent deletes it with its claim.
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: hostPath, type: 'DirectoryOrCreate' },
      // Pre-bound, so the PV controller binds exactly this claim to it.
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
    },
  };
}
