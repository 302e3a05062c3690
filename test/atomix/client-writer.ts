// A continuous writer through a real Atomix client node, as the README's client path describes:
// a node with no partition group of its own that joins the cluster through its DNS discovery
// Service (the same `cluster` section of atomix.conf the servers get) and uses the Raft group.
// It runs as a Pod of its own, unlabelled, so no Service, PDB or rollout of the cluster ever
// touches it: the writes keep flowing through one node while the servers are replaced.
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Container, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { names } from '../../src/api/names.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { PORTS } from '../../src/render/ports.js';
import { sleep, waitUntil } from '../../src/local/readiness.js';
import { call, ok, type AgentEndpoint } from './agent-client.js';
import { serving } from './readiness-sampler.js';
import { CONVERGE_TIMEOUT_MS, READY_TIMEOUT_MS, type RealCluster } from './real-cluster.js';

const WRITER = 'rollout-writer';
const COUNTER_PATH = '/v1/atomic-counter/rollout-counter';
/** Paced, not flat out: the servers share 2 cores with the rollout being measured. */
const WRITE_INTERVAL_MS = 50;

export interface FailedWrite {
  atMs: number;
  /** HTTP status, or 0 when the request itself failed (timeout, connection refused). */
  status: number;
  message: string;
}

export interface WriterReport {
  /** Increments the client node answered 200 to: the counter must hold at least these. */
  acknowledged: number;
  /** Increments that failed or timed out: each may or may not have been applied. */
  failed: FailedWrite[];
  /** The longest a single increment took (a leader change shows up as a stall). */
  longestWriteMs: number;
  /** Acknowledged values that were not above the one acknowledged before (must be none). */
  outOfOrder: number;
}

export class ClientWriter {
  private readonly report: WriterReport = { acknowledged: 0, failed: [], longestWriteMs: 0, outOfOrder: 0 };
  private lastValue = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    readonly agent: AgentEndpoint,
    private readonly startedAt = performance.now(),
  ) {
    this.loop = this.writeUntilStopped();
  }

  /** Stops writing (after the increment in flight) and returns what happened. */
  async stop(): Promise<WriterReport> {
    this.running = false;
    await this.loop;
    return { ...this.report, failed: [...this.report.failed] };
  }

  /** Waits until `count` more increments than now are acknowledged: the cluster takes writes. */
  async waitForMore(count: number, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const target = this.report.acknowledged + count;
    await waitUntil(async () => this.report.acknowledged >= target, { what: `${count} more acknowledged increments through ${this.agent.pod}`, timeoutMs, intervalMs: 500 });
  }

  private async writeUntilStopped(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      await this.incrementOnce();
      const took = performance.now() - started;
      this.report.longestWriteMs = Math.max(this.report.longestWriteMs, took);
      if (took < WRITE_INTERVAL_MS) await sleep(WRITE_INTERVAL_MS - took);
    }
  }

  private async incrementOnce(): Promise<void> {
    const atMs = performance.now() - this.startedAt;
    try {
      const reply = await call(this.agent, 'POST', `${COUNTER_PATH}/inc`);
      if (reply.status !== 200) {
        this.report.failed.push({ atMs, status: reply.status, message: reply.body.slice(0, 200) });
        return;
      }
      const value = Number(reply.body);
      if (!(value > this.lastValue)) this.report.outOfOrder++;
      this.lastValue = value;
      this.report.acknowledged++;
    } catch (error) {
      this.report.failed.push({ atMs, status: 0, message: error instanceof Error ? error.message : String(error) });
    }
  }
}

/**
 * The counter as a linearizable read. Atomix's default read consistency is sequential: a session
 * may read a value older than increments already acknowledged elsewhere (seen after restarts).
 * Every session here is opened LINEARIZABLE, so one successful read is the committed value;
 * errors (a node whose Raft servers are still registering) are retried.
 */
export async function readCounter(agent: AgentEndpoint): Promise<number> {
  return waitUntil(
    async () => {
      await openCounter(agent);
      return (await ok(agent, 'GET', COUNTER_PATH)) as number;
    },
    { what: `the counter through ${agent.pod}`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 },
  );
}

async function openCounter(agent: AgentEndpoint): Promise<void> {
  await ok(agent, 'POST', COUNTER_PATH, { protocol: { type: 'multi-raft', group: 'raft', readConsistency: 'LINEARIZABLE' } });
}

/**
 * Starts the client node (image `atomix/atomix:<version>`) in the cluster's namespace, waits
 * until it reads the counter through the Raft group, and starts writing.
 */
export async function startClientWriter(cluster: RealCluster, clusterName: string, version: string): Promise<ClientWriter> {
  await createClientNode(cluster, clusterName, version);
  return cluster.explainFailure(async () => {
    await waitUntil(async () => serving(await cluster.pod(WRITER)), {
      what: `${WRITER} to be Ready`,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 1000,
    });
    const agent = await cluster.agent(WRITER);
    // The counter's session is open once a read succeeds: the client found the Raft group's leader.
    await readCounter(agent);
    return new ClientWriter(agent);
  });
}

/** Deletes the client node's Pod and ConfigMap, and waits until its JVM is gone (a new client node may take its name). */
export async function deleteClientNode(cluster: RealCluster): Promise<void> {
  await cluster.deletePod(WRITER);
  await cluster.admin.request({ method: 'DELETE', path: objectPath(resources.configMaps, cluster.namespace, WRITER) });
  await cluster.waitUntilStopped([WRITER]);
}

/**
 * The client's Pod is the management pod's template (security context, probes, ports) with its
 * own identity: member id `rollout-writer`, its pod IP as address (no Service names it), an
 * emptyDir for data, and only the `cluster` section of the servers' atomix.conf.
 */
async function createClientNode(cluster: RealCluster, clusterName: string, version: string): Promise<void> {
  const serverConfigMap = await cluster.admin.request<V1ConfigMap>({ method: 'GET', path: objectPath(resources.configMaps, cluster.namespace, names.managementConfigMap(clusterName)) });
  const serverConfig = JSON.parse(serverConfigMap.data?.['atomix.conf'] ?? '{}') as { cluster?: unknown };
  assert.ok(serverConfig.cluster, 'the management ConfigMap has a cluster section');
  await cluster.admin.request({
    method: 'POST',
    path: collectionPath(resources.configMaps, cluster.namespace),
    body: { metadata: { name: WRITER }, data: { 'atomix.conf': JSON.stringify({ cluster: serverConfig.cluster }) } },
  });
  const statefulSet = await cluster.admin.request<V1StatefulSet>({ method: 'GET', path: objectPath(resources.statefulSets, cluster.namespace, names.managementStatefulSet(clusterName)) });
  const template = statefulSet.spec?.template.spec;
  const server = template?.containers[0];
  assert.ok(template && server, 'the management StatefulSet has a container');
  const pod: V1Pod = {
    metadata: { name: WRITER },
    spec: {
      securityContext: template.securityContext,
      enableServiceLinks: false,
      containers: [clientContainer(server, version)],
      volumes: [
        { name: 'config', configMap: { name: WRITER } },
        { name: 'data', emptyDir: {} },
      ],
    },
  };
  await cluster.admin.request({ method: 'POST', path: collectionPath(resources.pods, cluster.namespace), body: pod });
}

function clientContainer(server: V1Container, version: string): V1Container {
  const args = server.args ?? [];
  const replaced: Record<string, string> = { '--member': WRITER, '--address': `$(POD_IP):${String(PORTS.node)}` };
  return {
    name: server.name,
    image: `atomix/atomix:${version}`,
    imagePullPolicy: server.imagePullPolicy,
    securityContext: server.securityContext,
    ports: server.ports,
    startupProbe: server.startupProbe,
    readinessProbe: server.readinessProbe,
    volumeMounts: server.volumeMounts,
    args: args.map((arg, index) => replaced[args[index - 1] ?? ''] ?? arg),
    env: [...(server.env ?? []), { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
  };
}
