// `atomix-operator local`: a real Kubernetes control plane on loopback, the CRD,
// the operator in-process and the README's example cluster, until interrupted.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { customResourceDefinition } from '../api/crd.js';
import { validateCluster } from '../api/validate.js';
import type { AtomixCluster } from '../api/schema.js';
import { startControlPlane } from '../local/control-plane.js';
import type { PodModeChoice } from '../local/node/pod-mode.js';
import { kubeconfigYaml } from '../local/kubeconfig.js';
import { waitUntil } from '../local/readiness.js';
import { KubeClient } from '../kube/client.js';
import { collectionPath, objectPath, resources } from '../kube/resources.js';
import { PatchStrategy } from '@kubernetes/client-node';
import { Operator } from '../controller/operator.js';
import { readinessProber } from '../controller/group-probe.js';
import { OWNED_KINDS } from '../controller/owned-kinds.js';
import { stopOnSignal } from './run.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/crds/atomixcluster_cr.yaml', import.meta.url));
const NAMESPACE = 'default';

export interface LocalOptions {
  dir: string;
  example: boolean;
  /** real: every pod a process (Linux and root, else simulated with a warning); simulated: nothing runs. */
  pods: PodModeChoice;
}

export async function runLocal(options: LocalOptions, say: (line: string) => void): Promise<void> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const log = pino({ level: 'info', base: { name: 'atomix-operator' } }, pino.destination({ dest: `${dir}/operator.log`, sync: false }));
  say(`starting etcd, kube-apiserver, kube-controller-manager and kube-scheduler in ${dir} ...`);
  const controlPlane = await startControlPlane({ dir, crds: [customResourceDefinition()], pods: options.pods, log: (line) => log.info(line) });
  if (controlPlane.podMode === 'real') say('pods run for real: every container is a process in its pod sandbox, with its own IP');
  else say(`WARNING: pods are SIMULATED (reported Running and Ready, no process runs): ${controlPlane.podModeReason ?? ''}`);
  const kubeconfig = `${dir}/kubeconfig`;
  writeFileSync(kubeconfig, kubeconfigYaml(controlPlane.kubeConfig()));
  const client = new KubeClient(controlPlane.kubeConfig());
  // Simulated pods run no Atomix to write to: their groups are judged by readiness.
  const rollout = controlPlane.podMode === 'real' ? {} : { prober: readinessProber };
  const operator = new Operator({ client, log, instance: 'atomix-operator-local', rollout });
  stopOnSignal(log, async () => {
    say('stopping the operator and the control plane ...');
    await operator.stop();
    client.close();
    await controlPlane.stop({ keepDir: true });
    say('stopped');
  });
  await operator.start();
  say(`control plane ready at ${controlPlane.server}; operator running (logs: ${dir}/operator.log)`);
  if (options.example) await showExample(client, say, log, controlPlane.podMode === 'real');
  say('');
  say(`use it with kubectl:  export KUBECONFIG=${kubeconfig}`);
  say('                      kubectl get atomixclusters,statefulsets,services,configmaps,pdb,pods');
  say(`add a group:          kubectl patch atomixcluster example-atomixcluster --type=merge --patch "$(cat deploy/crds/atomixcluster_cr_log.yaml)"`);
  say('press Ctrl-C to stop and clean up');
}

async function showExample(client: KubeClient, say: (line: string) => void, log: Logger, realPods: boolean): Promise<void> {
  const validated = validateCluster({ ...parse(readFileSync(EXAMPLE, 'utf8')), metadata: { name: 'example-atomixcluster', namespace: NAMESPACE } });
  if (!validated.ok) throw new Error(`the example cluster is invalid: ${JSON.stringify(validated.errors)}`);
  await client.objects.patch(validated.cluster as KubernetesObject, undefined, undefined, 'atomix-operator-local', true, PatchStrategy.ServerSideApply);
  say('applied deploy/crds/atomixcluster_cr.yaml; waiting for the cluster to become Ready ...');
  const path = objectPath(resources.atomixClusters, NAMESPACE, 'example-atomixcluster');
  const cluster = await waitUntil(
    async () => {
      const current = await client.request<AtomixCluster>({ method: 'GET', path });
      return current.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? current : undefined;
    },
    // Real JVMs need their image built once (cached) and their quorum formed.
    { timeoutMs: realPods ? 900_000 : 180_000, intervalMs: 500, what: 'the example cluster to become Ready' },
  );
  say(`AtomixCluster example-atomixcluster: Ready, groups ready ${cluster.status?.readyGroups ?? '?'}, discovery service ${cluster.status?.serviceName ?? '?'}`);
  for (const kind of OWNED_KINDS) {
    const list = await client.request<{ items: KubernetesObject[] }>({
      method: 'GET',
      path: collectionPath(kind, NAMESPACE),
      query: { labelSelector: 'app=example-atomixcluster' },
    });
    for (const item of list.items) say(`  ${kind.kind.padEnd(20)} ${item.metadata?.name ?? ''}`);
  }
  if (realPods) await demonstrateCounter(client, say);
  log.info('example cluster ready');
}

/** Increments a counter on the Raft group through one pod and reads it back through another, and says how. */
async function demonstrateCounter(client: KubeClient, say: (line: string) => void): Promise<void> {
  const pods = await client.request<{ items: V1Pod[] }>({
    method: 'GET',
    path: collectionPath(resources.pods, NAMESPACE),
    query: { labelSelector: 'app=example-atomixcluster' },
  });
  say('');
  say('pods (each a JVM with its own IP):');
  for (const pod of pods.items) say(`  ${(pod.metadata?.name ?? '').padEnd(36)} ${pod.status?.podIP ?? ''}  on ${pod.spec?.nodeName ?? ''}`);
  const raft = pods.items.filter((pod) => pod.metadata?.labels?.['group'] === 'raft' && pod.status?.podIP);
  const [writer, reader = writer] = raft.map((pod) => pod.status?.podIP ?? '');
  if (!writer || !reader) return;
  const increment = `http://${writer}:5678/v1/atomic-counter/demo/inc`;
  const read = `http://${reader}:5678/v1/atomic-counter/demo`;
  const incremented = await (await fetch(increment, { method: 'POST' })).text();
  const value = await (await fetch(read)).text();
  say('');
  say(`a counter on the raft group: incremented through ${writer} to ${incremented}, read back through ${reader}: ${value}`);
  say(`  curl -X POST ${increment}`);
  say(`  curl ${read}`);
  say(`logs of a member:     kubectl logs ${raft[0]?.metadata?.name ?? ''} [-f] [--previous]`);
}
