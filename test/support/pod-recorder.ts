// Watches a cluster's member pods during a rollout: the order they were deleted in, and the most
// members ever absent (missing, terminating or not Ready) at once.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { Informer } from '../../src/kube/informer.js';
import { resources } from '../../src/kube/resources.js';
import type { KubeClient } from '../../src/kube/client.js';

type Pod = V1Pod & KubernetesObject;

const isReadyPod = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Watches the cluster's pods: the order members were deleted in, and the most members ever absent at once. */
export class PodRecorder {
  readonly deleted: string[] = [];
  maxAbsent = 0;
  private readonly informer: Informer<Pod>;

  constructor(admin: KubeClient, namespace: string, cluster: string, private readonly members: number) {
    this.informer = new Informer<Pod>({ transport: admin, resource: resources.pods, namespaces: [namespace], labelSelector: `app=${cluster}` });
    this.informer.addHandler({
      onAdd: () => this.sample(),
      onUpdate: () => this.sample(),
      onDelete: (pod) => {
        this.deleted.push(pod.metadata?.name ?? '');
        this.sample();
      },
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync(AbortSignal.timeout(30_000));
    // The initial list adds the pods one by one: not a sample of the cluster.
    this.reset();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  reset(): void {
    this.deleted.length = 0;
    this.maxAbsent = 0;
  }

  private sample(): void {
    const present = this.informer.store.list().filter((pod) => isReadyPod(pod) && !pod.metadata?.deletionTimestamp);
    this.maxAbsent = Math.max(this.maxAbsent, this.members - present.length);
  }
}

