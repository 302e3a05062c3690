// The README example cluster (management group of 1, Raft group of 3) on one Atomix 3.1.x
// version, through the operator on a local control plane with real pods: every pod the
// atomix/atomix:3.1.N image's entrypoint in its own sandbox, discovery through cluster DNS.
// Used by versions.test.ts (a subset) and by `npm run test:versions` (every buildable version).
import { pino } from 'pino';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { customResourceDefinition } from '../../src/api/crd.js';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { Operator } from '../../src/controller/operator.js';
import { KubeClient } from '../../src/kube/client.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster } from '../support/manifests.js';

const CLUSTER = 'example-atomixcluster';
// Four JVMs start together on a shared 2-core machine; the image may be built first.
const READY_TIMEOUT_MS = 900_000;
const GONE_TIMEOUT_MS = 180_000;

export interface ReadmeExampleRun {
  version: string;
  /** From creating the AtomixCluster to its Ready condition. */
  readyMs: number;
  /** The counter incremented through one Raft pod, read through another. */
  incremented: string;
  readBack: string;
  pods: number;
}

/** A control plane with real pods and the operator (all namespaces) in-process. */
export async function startRealCluster(): Promise<{ controlPlane: ControlPlane; run(version: string): Promise<ReadmeExampleRun>; stop(): Promise<void> }> {
  const controlPlane = await startControlPlane({ crds: [customResourceDefinition()], pods: 'real' });
  if (controlPlane.podMode !== 'real') {
    await controlPlane.stop();
    throw new Error(`real pods are unavailable: ${controlPlane.podModeReason ?? 'unknown reason'}`);
  }
  const client = new KubeClient(controlPlane.kubeConfig());
  const operator = new Operator({ client, log: pino({ level: process.env['OPERATOR_LOG_LEVEL'] ?? 'error' }), instance: 'versions-test' });
  await operator.start();
  return {
    controlPlane,
    run: (version) => runReadmeExample(controlPlane, client, version),
    async stop() {
      await operator.stop();
      client.close();
      await controlPlane.stop();
    },
  };
}

async function runReadmeExample(controlPlane: ControlPlane, client: KubeClient, version: string): Promise<ReadmeExampleRun> {
  const namespace = `v${version.replaceAll('.', '-')}`;
  const core = controlPlane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    const example = exampleCluster(undefined, namespace);
    const validated = validateCluster({ ...example, spec: { ...example.spec, version } });
    if (!validated.ok) throw new Error(`invalid example cluster: ${JSON.stringify(validated.errors)}`);
    const createdAt = Date.now();
    await client.request({ method: 'POST', path: collectionPath(resources.atomixClusters, namespace), body: validated.cluster });
    await waitUntil(
      async () => {
        const cluster = await client.request<AtomixCluster>({ method: 'GET', path: objectPath(resources.atomixClusters, namespace, CLUSTER) });
        return cluster.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { what: `the README example on ${version} to become Ready`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 1000 },
    );
    const readyMs = Date.now() - createdAt;
    const pods = (await core.listNamespacedPod({ namespace })).items;
    const [writer, reader] = pods.filter((pod) => pod.metadata?.labels?.['group'] === 'raft').map(podUrl);
    if (!writer || !reader) throw new Error(`fewer than two Raft pods with IPs in ${namespace}`);
    const incremented = await request('POST', `${writer}/v1/atomic-counter/versions/inc`);
    const readBack = await request('GET', `${reader}/v1/atomic-counter/versions`);
    return { version, readyMs, incremented, readBack, pods: pods.length };
  } finally {
    // The cluster first (its objects go with it), so the operator is not left applying into a
    // terminating namespace; the next version's JVMs start only once these are gone (2 cores).
    await client.request({ method: 'DELETE', path: objectPath(resources.atomixClusters, namespace, CLUSTER) }).catch(() => undefined);
    await waitUntil(async () => (await core.listNamespacedPod({ namespace })).items.length === 0, {
      what: `the pods of ${namespace} to be gone`,
      timeoutMs: GONE_TIMEOUT_MS,
      intervalMs: 1000,
    });
    await core.deleteNamespace({ name: namespace });
  }
}

function podUrl(pod: V1Pod): string | undefined {
  return pod.status?.podIP ? `http://${pod.status.podIP}:5678` : undefined;
}

async function request(method: string, url: string): Promise<string> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(60_000) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${url}: ${String(response.status)} ${body}`);
  return body;
}
