// Running the operator in-process against the shared control plane, as the
// ServiceAccount of deploy/ with exactly the shipped RBAC, plus admin helpers
// that do what `kubectl create/patch/delete` would.
import { after } from 'node:test';
import { pino } from 'pino';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import type { OperatorMetrics } from '../../src/kube/metrics.js';
import { Operator } from '../../src/controller/operator.js';
import { readinessProber } from '../../src/controller/group-probe.js';
import { collectionPath, objectPath, resources, type ResourceType } from '../../src/kube/resources.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import { adminKubeConfig, serviceAccountKubeConfig } from './cluster.js';
import { readManifest } from './manifests.js';
import { grantShippedRoleClusterWide, revokeClusterWide } from './rbac.js';

export const OPERATOR_ACCOUNT = 'atomix-operator';
export const operatorUser = (namespace: string) => `system:serviceaccount:${namespace}:${OPERATOR_ACCOUNT}`;

export function adminClient(): KubeClient {
  const client = new KubeClient(adminKubeConfig());
  after(() => client.close());
  return client;
}

/** Creates deploy/service_account.yaml, role.yaml and role_binding.yaml in namespace, unchanged but for the namespace. */
export async function installShippedRbac(admin: KubeClient, namespace: string): Promise<void> {
  const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true };
  const manifests: [string, ResourceType][] = [
    ['deploy/service_account.yaml', { ...resources.services, kind: 'ServiceAccount', plural: 'serviceaccounts' }],
    ['deploy/role.yaml', { ...rbac, kind: 'Role', plural: 'roles' }],
    ['deploy/role_binding.yaml', { ...rbac, kind: 'RoleBinding', plural: 'rolebindings' }],
  ];
  for (const [file, resource] of manifests) {
    const body = readManifest(file) as { metadata: { namespace?: string }; subjects?: { namespace?: string }[] };
    body.metadata.namespace = namespace;
    for (const subject of body.subjects ?? []) subject.namespace = namespace;
    await admin.request({ method: 'POST', path: collectionPath(resource, namespace), body });
  }
}

/**
 * The shipped Role's rules as a ClusterRole bound to the ServiceAccount in `accountNamespace`: the
 * operator keeps its permissions while a namespace it watches is deleted (with a Role there it would
 * lose them midway). `name` keeps suites on the shared control plane apart.
 */
export async function installShippedRbacClusterWide(admin: KubeClient, accountNamespace: string, name: string): Promise<void> {
  await installShippedRbac(admin, accountNamespace);
  await grantShippedRoleClusterWide(admin, name, OPERATOR_ACCOUNT, accountNamespace);
  after(() => revokeClusterWide(admin, name));
}

export interface RunningOperator {
  operator: Operator;
  client: KubeClient;
  stop(): Promise<void>;
}

export interface StartOperatorOptions {
  resyncMs?: number;
  /** Where its ServiceAccount lives; by default the namespace it watches. */
  accountNamespace?: string;
  metrics?: OperatorMetrics;
  /** A replaced member not Ready within this time stops the roll. */
  stuckAfterMs?: number;
}

/** Runs the operator for one namespace as the shipped ServiceAccount. */
export async function startOperator(namespace: string, options: StartOperatorOptions = {}): Promise<RunningOperator> {
  const client = new KubeClient(await serviceAccountKubeConfig(options.accountNamespace ?? namespace, OPERATOR_ACCOUNT));
  const operator = new Operator({
    client,
    log: pino({ level: process.env['OPERATOR_LOG_LEVEL'] ?? 'warn' }),
    namespaces: [namespace],
    ...(options.resyncMs ? { resyncMs: options.resyncMs } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    instance: 'integration-test',
    // The control plane's pods are simulated: no Atomix to write to, so groups are judged by readiness.
    rollout: { prober: readinessProber, ...(options.stuckAfterMs ? { stuckAfterMs: options.stuckAfterMs } : {}) },
  });
  await operator.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await operator.stop();
    client.close();
  };
  after(stop);
  return { operator, client, stop };
}

export function clusterPath(namespace: string, name: string): string {
  return objectPath(resources.atomixClusters, namespace, name);
}

export async function createCluster(admin: KubeClient, namespace: string, manifest: object): Promise<AtomixCluster> {
  return admin.request<AtomixCluster>({ method: 'POST', path: collectionPath(resources.atomixClusters, namespace), body: manifest });
}

/** `kubectl patch --type=merge`. */
export async function mergePatchCluster(admin: KubeClient, namespace: string, name: string, patch: object): Promise<AtomixCluster> {
  return admin.request<AtomixCluster>({
    method: 'PATCH',
    path: clusterPath(namespace, name),
    body: patch,
    contentType: 'application/merge-patch+json',
  });
}

export function getCluster(admin: KubeClient, namespace: string, name: string): Promise<AtomixCluster> {
  return admin.request<AtomixCluster>({ method: 'GET', path: clusterPath(namespace, name) });
}

/** Names of the objects of a kind carrying label app=<cluster>. */
export async function namesOf(admin: KubeClient, resource: ResourceType, namespace: string, cluster: string): Promise<string[]> {
  const list = await admin.request<{ items: KubernetesObject[] }>({
    method: 'GET',
    path: collectionPath(resource, namespace),
    query: { labelSelector: `app=${cluster}` },
  });
  return list.items.map((item) => item.metadata?.name ?? '').sort();
}

export function readyCondition(cluster: AtomixCluster) {
  return cluster.status?.conditions?.find((c) => c.type === 'Ready');
}

export function degradedCondition(cluster: AtomixCluster) {
  return cluster.status?.conditions?.find((c) => c.type === 'Degraded');
}

/** Ready for the current spec: the operator has seen this generation and every group runs. */
export function isReadyNow(cluster: AtomixCluster): boolean {
  return readyCondition(cluster)?.status === 'True' && cluster.status?.observedGeneration === cluster.metadata.generation;
}

/** The events.k8s.io Events about one AtomixCluster. */
export async function eventsAbout(admin: KubeClient, namespace: string, name: string): Promise<{ type: string; reason: string; note: string }[]> {
  const list = await admin.request<{ items: { type: string; reason: string; note: string; regarding?: { kind?: string; name?: string } }[] }>({
    method: 'GET',
    path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
  });
  return list.items.filter((event) => event.regarding?.kind === 'AtomixCluster' && event.regarding.name === name);
}
