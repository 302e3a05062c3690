// `atomix-operator local`: a real Kubernetes control plane on loopback, the CRD,
// the operator in-process and the README's example cluster, until interrupted.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { customResourceDefinition } from '../api/crd.js';
import { validateCluster } from '../api/validate.js';
import type { AtomixCluster } from '../api/schema.js';
import { startControlPlane } from '../local/control-plane.js';
import { kubeconfigYaml } from '../local/kubeconfig.js';
import { waitUntil } from '../local/readiness.js';
import { KubeClient } from '../kube/client.js';
import { collectionPath, objectPath, resources } from '../kube/resources.js';
import { PatchStrategy } from '@kubernetes/client-node';
import { Operator } from '../controller/operator.js';
import { OWNED_KINDS } from '../controller/owned-kinds.js';
import { stopOnSignal } from './run.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/crds/atomixcluster_cr.yaml', import.meta.url));
const NAMESPACE = 'default';

export interface LocalOptions {
  dir: string;
  example: boolean;
}

export async function runLocal(options: LocalOptions, say: (line: string) => void): Promise<void> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const log = pino({ level: 'info', base: { name: 'atomix-operator' } }, pino.destination({ dest: `${dir}/operator.log`, sync: false }));
  say(`starting etcd, kube-apiserver, kube-controller-manager and kube-scheduler in ${dir} ...`);
  const controlPlane = await startControlPlane({ dir, crds: [customResourceDefinition()], pods: 'simulated', log: (line) => log.info(line) });
  const kubeconfig = `${dir}/kubeconfig`;
  writeFileSync(kubeconfig, kubeconfigYaml(controlPlane.kubeConfig()));
  const client = new KubeClient(controlPlane.kubeConfig());
  const operator = new Operator({ client, log, instance: 'atomix-operator-local' });
  stopOnSignal(log, async () => {
    say('stopping the operator and the control plane ...');
    await operator.stop();
    client.close();
    await controlPlane.stop({ keepDir: true });
    say('stopped');
  });
  await operator.start();
  say(`control plane ready at ${controlPlane.server}; operator running (logs: ${dir}/operator.log)`);
  if (options.example) await showExample(client, say, log);
  say('');
  say(`use it with kubectl:  export KUBECONFIG=${kubeconfig}`);
  say('                      kubectl get atomixclusters,statefulsets,services,configmaps,pdb,pods');
  say(`add a group:          kubectl patch atomixcluster example-atomixcluster --type=merge --patch "$(cat deploy/crds/atomixcluster_cr_log.yaml)"`);
  say('press Ctrl-C to stop and clean up');
}

async function showExample(client: KubeClient, say: (line: string) => void, log: Logger): Promise<void> {
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
    { timeoutMs: 180_000, intervalMs: 500, what: 'the example cluster to become Ready' },
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
  log.info('example cluster ready');
}
