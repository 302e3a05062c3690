// One local control plane with REAL pods (every container a process in its Linux pod sandbox)
// and the operator in-process, per test file: the Atomix tests create AtomixClusters through the
// API and talk to the JVMs by pod IP. Real pods are required: where the sandbox is unavailable
// the suite fails with the reason instead of running against simulated pods.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { V1Pod } from '@kubernetes/client-node';
import { customResourceDefinition } from '../../src/api/crd.js';
import { PORTS } from '../../src/render/ports.js';
import { Operator, type OperatorOptions } from '../../src/controller/operator.js';
import { KubeClient } from '../../src/kube/client.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { waitUntil } from '../../src/local/readiness.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { installShippedRbac, OPERATOR_ACCOUNT } from '../support/operator.js';
import type { AgentEndpoint } from './agent-client.js';
import { connectionsToGonePeers, dnsAnswers, tcpConnections, meaningfulTail } from './failure-clues.js';

/** JVMs start on 2 shared cores and wait for the management group's quorum. */
export const READY_TIMEOUT_MS = 8 * 60_000;
/** Gossip and elections after start-up. */
export const CONVERGE_TIMEOUT_MS = 2 * 60_000;
/** For a describe() that starts a control plane and a cluster. */
export const SUITE_TIMEOUT_MS = 25 * 60_000;

export class RealCluster {
  constructor(
    readonly controlPlane: ControlPlane,
    readonly admin: KubeClient,
    readonly namespace: string,
  ) {}

  /** Applies the AtomixCluster (create or replace its spec) as `kubectl apply` would. */
  async apply(cluster: AtomixCluster): Promise<void> {
    const body = { ...cluster, metadata: { ...cluster.metadata, namespace: this.namespace } };
    await this.admin.request({
      method: 'PATCH',
      path: objectPath(resources.atomixClusters, this.namespace, cluster.metadata.name),
      query: { fieldManager: 'atomix-tests', force: 'true' },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** `kubectl patch atomixcluster --type=merge`. */
  async mergePatch(name: string, patch: object): Promise<void> {
    await this.admin.request({
      method: 'PATCH',
      path: objectPath(resources.atomixClusters, this.namespace, name),
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  async cluster(name: string): Promise<AtomixCluster> {
    return this.admin.request<AtomixCluster>({ method: 'GET', path: objectPath(resources.atomixClusters, this.namespace, name) });
  }

  /** Waits for the cluster's Ready condition to be True at a generation at least as new as its spec. */
  async waitUntilReady(name: string, timeoutMs = READY_TIMEOUT_MS): Promise<AtomixCluster> {
    return this.explainFailure(() =>
      waitUntil(
        async () => {
          const current = await this.cluster(name);
          const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
          const observed = current.status?.observedGeneration ?? 0;
          return ready?.status === 'True' && observed >= (current.metadata.generation ?? 0) ? current : undefined;
        },
        { what: `AtomixCluster ${name} to be Ready`, timeoutMs, intervalMs: 1000 },
      ),
    );
  }

  async pods(labelSelector?: string): Promise<V1Pod[]> {
    const list = await this.admin.request<{ items: V1Pod[] }>({
      method: 'GET',
      path: collectionPath(resources.pods, this.namespace),
      ...(labelSelector ? { query: { labelSelector } } : {}),
    });
    return list.items;
  }

  async pod(name: string): Promise<V1Pod> {
    return this.admin.request<V1Pod>({ method: 'GET', path: objectPath(resources.pods, this.namespace, name) });
  }

  /** The agent REST endpoint of a pod, by its pod IP. */
  async agent(podName: string): Promise<AgentEndpoint> {
    const ip = (await this.pod(podName)).status?.podIP;
    assert.ok(ip, `pod ${podName} has an IP`);
    return { pod: podName, httpUrl: `http://${ip}:${String(PORTS.http)}` };
  }

  /** `kubectl delete pod`. */
  async deletePod(name: string): Promise<void> {
    await this.admin.request({ method: 'DELETE', path: objectPath(resources.pods, this.namespace, name) });
  }

  /**
   * Host pid of the JVM of a pod's container: the java process whose environment names the pod
   * (POD_NAME, POD_NAMESPACE are set by the rendered StatefulSets; the namespace is this
   * fixture's own, so JVMs of other control planes on the machine never match).
   */
  jvmPid(podName: string): number | undefined {
    const wanted = [`POD_NAME=${podName}`, `POD_NAMESPACE=${this.namespace}`];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'java') continue;
        const environment = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
        if (wanted.every((variable) => environment.includes(variable))) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
    return undefined;
  }

  /**
   * Stops a pod's JVM (SIGSTOP), as a hung node; returns the thaw. The JVM runs under nsenter,
   * which stops itself when its child stops and resumes the child only when it is continued
   * itself: a thaw of the JVM alone would leave nsenter stopped, unable to reap the JVM when it
   * ends, and the pod would never terminate.
   */
  freezeJvm(podName: string): () => void {
    const pid = this.jvmPid(podName);
    assert.ok(pid !== undefined, `the JVM of ${podName} found`);
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, not ')'.
    const parent = Number(readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    process.kill(pid, 'SIGSTOP');
    return () => {
      for (const target of [parent, pid]) process.kill(target, 'SIGCONT');
    };
  }

  /** Waits until the pods are gone from the API and no JVM of theirs runs. */
  async waitUntilStopped(podNames: readonly string[]): Promise<void> {
    await this.explainFailure(() =>
      waitUntil(
        async () => {
          const left = new Set((await this.pods()).map((pod) => pod.metadata?.name));
          return podNames.every((pod) => !left.has(pod) && this.jvmPid(pod) === undefined);
        },
        { what: `${podNames.join(', ')} to stop`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 },
      ),
    );
  }

  /** Runs fn; on failure adds every pod's phase, restarts, log tail, DNS answers and dead connections to the error. */
  async explainFailure<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n${await this.summary()}`, { cause: error });
    }
  }

  async summary(): Promise<string> {
    const lines = [`control plane dir ${this.controlPlane.dir}`];
    const pods = await this.pods().catch(() => []);
    const podIps = new Set(pods.flatMap((pod) => pod.status?.podIP ?? []));
    for (const pod of pods) {
      const name = pod.metadata?.name ?? '';
      const status = pod.status?.containerStatuses?.[0];
      const state = status?.state ? Object.keys(status.state).join(',') : 'no container';
      lines.push(`  ${name} ${pod.status?.phase ?? ''} ${pod.status?.podIP ?? ''} ready=${String(status?.ready)} restarts=${status?.restartCount ?? 0} ${state} ${pod.status?.message ?? ''}`);
      lines.push(...(await this.logTail(name)).map((line) => `      ${line}`));
      const gone = await this.connectionsToGonePeers(name, podIps);
      if (gone.length > 0) lines.push(`      connections to messaging ports of addresses no pod has: ${gone.join(' ')}`);
    }
    if (this.controlPlane.dns) lines.push(...(await dnsAnswers(this.controlPlane.dns, pods).catch((error: unknown) => [String(error)])).map((line) => `  ${line}`));
    return lines.join('\n');
  }

  private async logTail(pod: string): Promise<string[]> {
    try {
      const text = await this.admin.request({ method: 'GET', path: `${objectPath(resources.pods, this.namespace, pod)}/log`, query: { tailLines: '400' } });
      return meaningfulTail(String(text), 12);
    } catch {
      return [];
    }
  }

  private async connectionsToGonePeers(pod: string, podIps: ReadonlySet<string>): Promise<string[]> {
    const pid = this.jvmPid(pod);
    if (pid === undefined) return [];
    return connectionsToGonePeers(await tcpConnections(pid).catch(() => ''), podIps);
  }
}

/**
 * Starts a control plane with real pods and the operator (as the shipped ServiceAccount, with the
 * shipped RBAC) watching one fresh namespace. Throws, stopping what it started, without real pods.
 */
export interface RealClusterOptions {
  log?: (line: string) => void;
  /** Labels of the fixture's namespace, e.g. Pod Security's enforce level. */
  namespaceLabels?: Record<string, string>;
  /** 'none': the test runs the operator itself (as a process it can kill: operator-process.ts). */
  operator?: 'in-process' | 'none';
  /** For the in-process operator: a shorter RolloutStuck deadline. */
  rollout?: OperatorOptions['rollout'];
}

export async function startRealCluster(options: RealClusterOptions = {}): Promise<{ cluster: RealCluster; stop(): Promise<void> }> {
  const controlPlane = await startControlPlane({ crds: [customResourceDefinition()], pods: 'real', log: options.log ?? (() => {}) });
  const cleanups: (() => Promise<void> | void)[] = [() => controlPlane.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    assert.equal(controlPlane.podMode, 'real', `the Atomix tests need real pods: ${controlPlane.podModeReason ?? ''}`);
    const admin = new KubeClient(controlPlane.kubeConfig());
    cleanups.push(() => admin.close());
    const namespace = `atomix-${randomBytes(3).toString('hex')}`;
    await admin.request({ method: 'POST', path: collectionPath(resources.namespaces), body: { metadata: { name: namespace, labels: options.namespaceLabels ?? {} } } });
    await installShippedRbac(admin, namespace);
    const cluster = new RealCluster(controlPlane, admin, namespace);
    if (options.operator === 'none') return { cluster, stop };
    const client = new KubeClient(await controlPlane.serviceAccountKubeConfig(namespace, OPERATOR_ACCOUNT));
    const operator = new Operator({ client, log: pino({ level: process.env['OPERATOR_LOG_LEVEL'] ?? 'warn' }), namespaces: [namespace], instance: 'atomix-tests', ...(options.rollout ? { rollout: options.rollout } : {}) });
    await operator.start();
    cleanups.push(async () => {
      await operator.stop();
      client.close();
    });
    return { cluster, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Registers hooks that start a control plane with real pods and the operator before the suite, and stop them after it. */
export function useRealCluster(options: RealClusterOptions = {}): () => RealCluster {
  let running: Awaited<ReturnType<typeof startRealCluster>> | undefined;
  before(async () => {
    running = await startRealCluster(options);
  });
  after(() => running?.stop());
  return () => {
    assert.ok(running, 'the control plane with real pods was started');
    return running.cluster;
  };
}
