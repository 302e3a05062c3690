// The kubelet of the local nodes: registers them, watches the pods bound to them (one
// list-and-watch through the project's informer) and runs each one, either for real (pod
// sandboxes with processes) or simulated; serves containerLogs; provisions local volumes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:https';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodStatus,
  V1Secret,
  V1StorageClass,
  AuthenticationV1TokenRequest,
} from '@kubernetes/client-node';
import type { Endpoint } from '../apiserver-proxy.js';
import type { KubeClient } from '../../kube/client.js';
import { statusCodeOf } from '../../kube/errors.js';
import { Informer } from '../../kube/informer.js';
import { objectPath, resources, type ResourceType } from '../../kube/resources.js';
import type { ImageStore } from '../images/types.js';
import type { SandboxRuntime } from '../sandbox/types.js';
import { findFreePort } from '../ports.js';
import { startLogServer, type LogServerTls } from './log-server.js';
import { heartbeat, NODE_RESOURCES, registerNode, type LocalNode } from './nodes.js';
import { PodWorker, type PodRuntime } from './pod-worker.js';
import { isTerminal, timestamp } from './pod-status.js';
import { LocalProvisioner } from './provisioner.js';
import { simulatedStatus } from './simulated-pods.js';
import { kubernetesServiceVariables } from './service-env.js';
import type { IssuedToken } from './service-account-tokens.js';

export type PodMode =
  | { mode: 'real'; sandboxes: SandboxRuntime; images: ImageStore; clusterDomain: string }
  /** reason: why pods are simulated, shown in every pod's status message. */
  | { mode: 'simulated'; reason: string };

export interface KubeletOptions {
  client: KubeClient;
  nodeCount: number;
  /** Volumes, pod state and CRI logs live below this directory. */
  dir: string;
  pods: PodMode;
  /** The kubelet CA, serving certificate and key of the nodes' kubelet ports. */
  tls: LogServerTls;
  /** Where real pods reach the API server (their KUBERNETES_SERVICE_HOST/PORT). */
  apiServer?: Endpoint | undefined;
  log: (line: string) => void;
  heartbeatIntervalMs?: number;
}

const NODE_ADDRESS = '127.0.0.1';

export class LocalKubelet {
  private readonly nodes = new Map<string, LocalNode & { podsStarted: number; index: number }>();
  private readonly workers = new Map<string, PodWorker>();
  /** namespace/name → uid of the newest pod of that name, for logs. */
  private readonly podByName = new Map<string, string>();
  private readonly servers: Server[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly informers;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private runtime: PodRuntime | undefined;
  private stopping = false;

  private constructor(private readonly options: KubeletOptions) {
    const informer = <T extends KubernetesObject>(resource: ResourceType, fieldSelector?: string) =>
      new Informer<T>({ transport: options.client, resource, fieldSelector, onError: (error) => options.log(`kubelet watch: ${describe(error)}`) });
    this.informers = {
      pods: informer<V1Pod>(resources.pods, 'spec.nodeName!='),
      claims: informer<V1PersistentVolumeClaim>(resources.persistentVolumeClaims),
      volumes: informer<V1PersistentVolume>(resources.persistentVolumes),
      classes: informer<V1StorageClass>(resources.storageClasses),
      configMaps: options.pods.mode === 'real' ? informer<V1ConfigMap>(resources.configMaps) : undefined,
    };
  }

  static async start(options: KubeletOptions): Promise<LocalKubelet> {
    const kubelet = new LocalKubelet(options);
    await kubelet.startNodes();
    await kubelet.startInformers();
    return kubelet;
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  get podMode(): PodMode['mode'] {
    return this.options.pods.mode;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    await Promise.all(Object.values(this.informers).map(async (informer) => informer?.stop()));
    await Promise.all([...this.workers.values()].map((worker) => worker.shutdown()));
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    this.options.client.close();
  }

  private async startNodes(): Promise<void> {
    const { options } = this;
    for (let index = 1; index <= options.nodeCount; index++) {
      const name = `local-node-${index}`;
      const node = { name, index, address: NODE_ADDRESS, kubeletPort: await findFreePort(), readySince: timestamp(), podsStarted: 0 };
      this.servers.push(await startLogServer(node.kubeletPort, options.tls, (namespace, pod, container) => this.logsOf(name, namespace, pod, container)));
      this.nodes.set(name, node);
    }
    await Promise.all([...this.nodes.values()].map((node) => registerNode(options.client, node, options.pods.mode)));
    this.heartbeatTimer = setInterval(() => {
      for (const node of this.nodes.values()) this.track(heartbeat(options.client, node, options.pods.mode), `heartbeat of ${node.name}`);
    }, options.heartbeatIntervalMs ?? 30_000);
  }

  private async startInformers(): Promise<void> {
    const { informers, options } = this;
    const provisioner = new LocalProvisioner(options.client, informers, join(options.dir, 'volumes'), options.log);
    for (const informer of Object.values(informers)) informer?.start();
    await Promise.all(Object.values(informers).map(async (informer) => informer?.waitForSync()));
    await provisioner.start();
    if (options.pods.mode === 'real') this.runtime = this.podRuntime(options.pods);
    // Pods last: their volumes and env read the other caches.
    informers.pods.addHandler({
      onAdd: (pod) => this.onPod(pod),
      onUpdate: (_, pod) => this.onPod(pod),
      onDelete: (pod) => this.workers.get(pod.metadata?.uid ?? '')?.deleted(pod),
    });
    const touchNamespace = (object: KubernetesObject) => this.resyncNamespace(object.metadata?.namespace);
    informers.configMaps?.addHandler({ onUpdate: (_, object) => touchNamespace(object), onAdd: touchNamespace });
    informers.claims.addHandler({ onUpdate: (_, object) => touchNamespace(object) });
  }

  private onPod(pod: V1Pod): void {
    const node = this.nodes.get(pod.spec?.nodeName ?? '');
    if (!node || this.stopping) return;
    if (!this.runtime) {
      this.syncSimulated(pod, node);
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    let worker = this.workers.get(uid);
    if (!worker) {
      if (isTerminal(pod.status?.phase) && !pod.metadata?.deletionTimestamp) return;
      worker = new PodWorker(pod, this.runtime, () => this.forget(pod));
      this.workers.set(uid, worker);
      this.podByName.set(podKey(pod), uid);
    }
    worker.update(pod);
  }

  private forget(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.workers.delete(uid);
    const key = podKey(pod);
    if (this.podByName.get(key) === uid) this.podByName.delete(key);
  }

  /** A ConfigMap or claim changed: pods of its namespace refresh their volumes (a no-op when nothing they use changed). */
  private resyncNamespace(namespace: string | undefined): void {
    for (const worker of this.workers.values()) if (worker.namespace === namespace) worker.update();
  }

  private logsOf(nodeName: string, namespace: string, podName: string, container: string) {
    const pod = this.informers.pods.store.get(namespace, podName);
    if (pod?.spec?.nodeName !== nodeName) return undefined;
    return this.workers.get(this.podByName.get(`${namespace}/${podName}`) ?? '')?.logs(container);
  }

  private syncSimulated(pod: V1Pod, node: LocalNode & { podsStarted: number; index: number }): void {
    if (pod.metadata?.deletionTimestamp) {
      this.track(this.finalize(pod), `deletion of pod ${podKey(pod)}`);
      return;
    }
    if (isTerminal(pod.status?.phase)) return;
    const reason = this.options.pods.mode === 'simulated' ? this.options.pods.reason : '';
    const podIP = pod.status?.podIP ?? simulatedPodIP(node.index, ++node.podsStarted);
    const status = simulatedStatus(pod, node.address, podIP, reason);
    if (status) this.track(this.writeStatus(pod, status), `status of pod ${podKey(pod)}`);
  }

  private podRuntime(mode: Extract<PodMode, { mode: 'real' }>): PodRuntime {
    const { informers, options } = this;
    const configMap = (namespace: string, name: string) => informers.configMaps?.store.get(namespace, name);
    return {
      sandboxes: mode.sandboxes,
      images: mode.images,
      dns: { nameserver: mode.sandboxes.hostAddress, domain: mode.clusterDomain, hostResolvConf: readHostResolvConf() },
      node: NODE_RESOURCES,
      hostIP: NODE_ADDRESS,
      serviceVariables: kubernetesServiceVariables(options.apiServer),
      dirs: { pods: join(options.dir, 'pods'), logs: join(options.dir, 'logs') },
      volumeSources: {
        configMap,
        secret: (namespace, name) => this.readSecret(namespace, name),
        claim: (namespace, name) => informers.claims.store.get(namespace, name),
        persistentVolume: (name) => informers.volumes.store.get(undefined, name),
        serviceAccountToken: (pod, request) => this.requestToken(pod, request),
      },
      configMap,
      secret: (namespace, name) => this.readSecret(namespace, name),
      writeStatus: (pod, status) => this.writeStatus(pod, status),
      finalize: (pod) => this.finalize(pod),
      log: options.log,
    };
  }

  private async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return this.options.client.request<V1Secret>({ method: 'GET', path: objectPath(resources.secrets, namespace, name) }).catch((error: unknown) => {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    });
  }

  /** A token of the pod's ServiceAccount, bound to the pod: it stops working once the pod is gone. */
  private async requestToken(pod: V1Pod, request: { audiences: string[]; expirationSeconds: number }): Promise<IssuedToken> {
    const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
    const serviceAccount = pod.spec?.serviceAccountName ?? 'default';
    const body: AuthenticationV1TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { ...request, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid } },
    };
    const answer = await this.options.client.request<AuthenticationV1TokenRequest>({
      method: 'POST',
      path: `${objectPath(resources.serviceAccounts, namespace, serviceAccount)}/token`,
      body,
    });
    const token = answer.status?.token;
    const expiration = answer.status?.expirationTimestamp;
    if (!token || !expiration) throw new Error(`the TokenRequest for ServiceAccount ${namespace}/${serviceAccount} returned no token`);
    return { token, expirationTimestamp: new Date(expiration) };
  }

  /** Replaces the status, if the pod is still the version it was computed from; false when it moved on. */
  private async writeStatus(pod: V1Pod, status: V1PodStatus): Promise<boolean> {
    const { name = '', namespace = '', resourceVersion } = pod.metadata ?? {};
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
      { op: 'add', path: '/status', value: status },
    ];
    try {
      await this.options.client.request({ method: 'PATCH', path: `${objectPath(resources.pods, namespace, name)}/status`, contentType: 'application/json-patch+json', body });
      return true;
    } catch (error) {
      // A newer version arrives as its own event and is computed again.
      if (isRace(error)) return false;
      throw error;
    }
  }

  /** What the kubelet does once the containers stopped: remove the pod for good. */
  private async finalize(pod: V1Pod): Promise<void> {
    const { name = '', namespace = '', uid } = pod.metadata ?? {};
    // The uid precondition protects a StatefulSet's replacement pod of the same name.
    await this.options.client
      .request({
        method: 'DELETE',
        path: objectPath(resources.pods, namespace, name),
        query: { gracePeriodSeconds: 0 },
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      })
      .catch((error: unknown) => {
        if (!isRace(error)) throw error;
      });
  }

  private track(request: Promise<unknown>, what: string): void {
    const settled = request
      .catch((error: unknown) => {
        if (!isRace(error)) this.options.log(`kubelet: ${what} failed: ${describe(error)}`);
      })
      .finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }
}

/** Conflicts and missing objects are normal races here: the watch delivers the newer state. */
function isRace(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === 404 || code === 409 || code === 422;
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function simulatedPodIP(nodeIndex: number, ordinal: number): string {
  const host = ordinal + 1;
  return `10.${nodeIndex}.${host >> 8}.${host & 255}`;
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
