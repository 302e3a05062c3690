// charts/atomix-operator installed, upgraded and uninstalled with the real helm into the real
// control plane. The nodes simulate pods here, so the operator's own pod does not run: an operator
// in-process, authenticated as the chart's ServiceAccount, proves that the chart's RBAC is what
// the operator needs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1PersistentVolumeClaim, V1PolicyRule } from '@kubernetes/client-node';
import { resources } from '../../src/kube/resources.js';
import type { KubeClient } from '../../src/kube/client.js';
import { collectionPath } from '../../src/kube/resources.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { controlPlaneEnv } from '../support/control-plane-env.js';
import { CHART, helmOk, valuesArgs } from '../support/helm.js';
import { readManifest } from '../support/manifests.js';
import { adminClient, createCluster, getCluster, isReadyNow, mergePatchCluster, OPERATOR_ACCOUNT, startOperator } from '../support/operator.js';

// deploy/'s names: release atomix-operator names every object atomix-operator.
const RELEASE = OPERATOR_ACCOUNT;
const CLUSTER = 'example-atomixcluster';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const operatorRules = (readManifest('deploy/role.yaml') as { rules: V1PolicyRule[] }).rules;

const helmIn = (namespace: string) => ['--kubeconfig', controlPlaneEnv().kubeconfigPath, '--namespace', namespace];

/** Whether the API server's authorizer lets the chart's ServiceAccount of `accountNamespace` do this. */
async function accountMay(admin: KubeClient, accountNamespace: string, attributes: { verb: string; group: string; resource: string; namespace: string }): Promise<boolean> {
  const review = await admin.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${accountNamespace}:${OPERATOR_ACCOUNT}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${accountNamespace}`, 'system:authenticated'],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status.allowed;
}

async function exists(admin: KubeClient, path: string): Promise<boolean> {
  try {
    await admin.request({ method: 'GET', path });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function claims(admin: KubeClient, namespace: string): Promise<Map<string, string>> {
  const list = await admin.request<{ items: V1PersistentVolumeClaim[] }>({ method: 'GET', path: collectionPath(resources.persistentVolumeClaims, namespace) });
  return new Map(list.items.map((claim) => [claim.metadata?.name ?? '', claim.metadata?.uid ?? '']));
}

describe('helm install, upgrade and uninstall of the chart', { timeout: 600_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('helm');
  const other = await createTestNamespace('helm-other');
  const statefulSets = (watched: string) => ({ verb: 'list', group: 'apps', resource: 'statefulsets', namespace: watched });
  const leases = { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace };

  // In the suite's body, before the operator: it authenticates as the ServiceAccount the chart creates.
  await helmOk(['install', RELEASE, CHART, ...helmIn(namespace), '--wait', '--timeout', '3m']);
  const running = await startOperator(namespace, { resyncMs: 2_000 });

  test('helm install creates deploy/\'s objects under the chart\'s names, namespaced, and the operator\'s Deployment becomes available', async () => {
    const role = await admin.request<{ rules: V1PolicyRule[] }>({ method: 'GET', path: `${RBAC}/namespaces/${namespace}/roles/${RELEASE}` });
    assert.deepEqual(role.rules, operatorRules);
    assert.ok(await exists(admin, `${RBAC}/namespaces/${namespace}/rolebindings/${RELEASE}`));
    assert.ok(await exists(admin, `/api/v1/namespaces/${namespace}/serviceaccounts/${RELEASE}`));
    assert.ok(await exists(admin, `/api/v1/namespaces/${namespace}/services/${RELEASE}-metrics`));
    assert.ok(!(await exists(admin, `${RBAC}/clusterroles/${RELEASE}`)));
    const deployment = await admin.request<V1Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${namespace}/deployments/${RELEASE}` });
    assert.equal(deployment.status?.availableReplicas, 1);
    assert.equal(await accountMay(admin, namespace, statefulSets(namespace)), true);
    assert.equal(await accountMay(admin, namespace, statefulSets(other)), false);
    assert.equal(await accountMay(admin, namespace, leases), false, 'no Lease rule while leader election is off');
  });

  test('the README example becomes Ready through an operator with the chart\'s RBAC', async () => {
    await createCluster(admin, namespace, readManifest('deploy/crds/atomixcluster_cr.yaml'));
    await waitFor(async () => isReadyNow(await getCluster(admin, namespace, CLUSTER)), { what: 'the example to become Ready', timeoutMs: 90_000 });
    assert.ok((await claims(admin, namespace)).size > 0, 'the StatefulSets made PersistentVolumeClaims');
  });

  test('helm upgrade to cluster scope over listed namespaces with leader election: the Role becomes a ClusterRole bound in those namespaces, the Lease Role is added, and the operator keeps reconciling', async () => {
    const values = { watch: { scope: 'cluster', namespaces: [namespace, other] }, leaderElection: { enabled: true }, replicas: 2 };
    await helmOk(['upgrade', RELEASE, CHART, ...helmIn(namespace), ...valuesArgs(values), '--wait', '--timeout', '3m']);
    const clusterRole = await admin.request<{ rules: V1PolicyRule[] }>({ method: 'GET', path: `${RBAC}/clusterroles/${RELEASE}` });
    assert.deepEqual(clusterRole.rules, operatorRules);
    assert.ok(!(await exists(admin, `${RBAC}/namespaces/${namespace}/roles/${RELEASE}`)), 'the Role is gone');
    assert.ok(!(await exists(admin, `${RBAC}/clusterrolebindings/${RELEASE}`)), 'bound per listed namespace, not cluster-wide');
    assert.equal(await accountMay(admin, namespace, statefulSets(other)), true);
    assert.equal(await accountMay(admin, namespace, statefulSets('default')), false);
    assert.equal(await accountMay(admin, namespace, leases), true);
    const deployment = await admin.request<V1Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${namespace}/deployments/${RELEASE}` });
    const container = deployment.spec?.template.spec?.containers[0];
    assert.ok(container);
    assert.deepEqual(container.env?.find((variable) => variable.name === 'WATCH_NAMESPACE'), { name: 'WATCH_NAMESPACE', value: `${namespace},${other}` });
    assert.ok(container.args?.includes('--leader-elect'));
    assert.equal(deployment.status?.availableReplicas, 2);
    // The in-process operator's token outlives the swap: it still reconciles a change.
    const withLog = readManifest('deploy/crds/atomixcluster_cr_log.yaml');
    await mergePatchCluster(admin, namespace, CLUSTER, withLog);
    await waitFor(
      async () => {
        const cluster = await getCluster(admin, namespace, CLUSTER);
        return isReadyNow(cluster) && cluster.status?.partitionGroups?.some((group) => group.name === 'log');
      },
      { what: 'the example with its log group to become Ready', timeoutMs: 90_000 },
    );
  });

  test('helm uninstall removes the chart\'s objects and leaves the CRD, the cluster, its StatefulSets and its PersistentVolumeClaims', async () => {
    const before = await claims(admin, namespace);
    await running.stop();
    await helmOk(['uninstall', RELEASE, ...helmIn(namespace), '--wait', '--timeout', '3m']);
    for (const path of [
      `/apis/apps/v1/namespaces/${namespace}/deployments/${RELEASE}`,
      `/api/v1/namespaces/${namespace}/serviceaccounts/${RELEASE}`,
      `/api/v1/namespaces/${namespace}/services/${RELEASE}-metrics`,
      `${RBAC}/clusterroles/${RELEASE}`,
      `${RBAC}/namespaces/${namespace}/rolebindings/${RELEASE}-cluster`,
      `${RBAC}/namespaces/${other}/rolebindings/${RELEASE}-cluster`,
      `${RBAC}/namespaces/${namespace}/roles/${RELEASE}-leader-election`,
    ]) {
      assert.ok(!(await exists(admin, path)), `${path} is gone`);
    }
    assert.ok(await exists(admin, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/atomixclusters.agent.atomix.io'));
    assert.equal((await getCluster(admin, namespace, CLUSTER)).metadata.name, CLUSTER);
    assert.ok(await exists(admin, `/apis/apps/v1/namespaces/${namespace}/statefulsets/${CLUSTER}-raft`));
    assert.deepEqual(await claims(admin, namespace), before);
  });
});

describe('the chart\'s operator pod under the restricted Pod Security Standard', { timeout: 300_000 }, async () => {
  const admin = adminClient();
  const namespace = await createTestNamespace('helm-restricted');
  await admin.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}`,
    body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } },
    contentType: 'application/merge-patch+json',
  });

  test('the namespace enforces it: a pod without the restricted settings is refused', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unrestricted' }, spec: { containers: [{ name: 'main', image: 'atomix/atomix:3.1.12' }] } };
    await assert.rejects(admin.request({ method: 'POST', path: `/api/v1/namespaces/${namespace}/pods`, body: pod }), /violates PodSecurity "restricted:latest"/);
  });

  test('helm install: the operator\'s pod is admitted and its Deployment becomes available', async () => {
    await helmOk(['install', RELEASE, CHART, ...helmIn(namespace), '--wait', '--timeout', '3m']);
    const deployment = await admin.request<V1Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${namespace}/deployments/${RELEASE}` });
    assert.equal(deployment.status?.availableReplicas, 1);
    await helmOk(['uninstall', RELEASE, ...helmIn(namespace), '--wait', '--timeout', '3m']);
  });
});
