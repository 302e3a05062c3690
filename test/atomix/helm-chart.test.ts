// The chart as a user installs it, on real pods: helm install runs the operator's own pod (its
// image, in-cluster configuration and the chart's RBAC), the README example becomes Ready through
// it, and helm uninstall leaves the clusters' PersistentVolumeClaims.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { customResourceDefinition } from '../../src/api/crd.js';
import { KubeClient } from '../../src/kube/client.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { waitUntil } from '../../src/local/readiness.js';
import { CHART, helmOk } from '../support/helm.js';
import { exampleCluster } from '../support/manifests.js';
import { RealCluster, SUITE_TIMEOUT_MS } from './real-cluster.js';

const RELEASE = 'atomix-operator';
const NAMESPACE = 'atomix';

describe('the chart on real pods: helm install, the README example Ready through the operator pod, helm uninstall', { timeout: SUITE_TIMEOUT_MS }, () => {
  let controlPlane: ControlPlane | undefined;
  let admin: KubeClient | undefined;
  const real = () => {
    assert.ok(controlPlane && admin, 'the control plane with real pods was started');
    return new RealCluster(controlPlane, admin, NAMESPACE);
  };
  const helmArgs = () => ['--kubeconfig', real().controlPlane.kubeconfigPath, '--namespace', NAMESPACE];

  before(async () => {
    controlPlane = await startControlPlane({ crds: [customResourceDefinition()], pods: 'real', log: () => {} });
    admin = new KubeClient(controlPlane.kubeConfig());
    assert.equal(controlPlane.podMode, 'real', `the chart's operator pod needs real pods: ${controlPlane.podModeReason ?? ''}`);
  });
  after(async () => {
    admin?.close();
    await controlPlane?.stop();
  });

  test('helm install: the operator pod becomes Ready (its /readyz: caches synced through the in-cluster configuration)', async () => {
    const cluster = real();
    await helmOk(['install', RELEASE, CHART, ...helmArgs(), '--create-namespace', '--wait', '--timeout', '5m']);
    const deployment = await cluster.admin.request<V1Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}` });
    assert.equal(deployment.status?.readyReplicas, 1, await cluster.summary());
  });

  test('the README example becomes Ready through the operator pod', async () => {
    const cluster = real();
    await cluster.apply(exampleCluster(undefined, NAMESPACE));
    const ready = await cluster.waitUntilReady(exampleCluster().metadata.name);
    assert.equal(ready.status?.readyGroups, '2/2');
  });

  test('helm uninstall stops the operator pod and leaves the cluster\'s PersistentVolumeClaims', async () => {
    const cluster = real();
    const claims = async () => {
      const list = await cluster.admin.request<{ items: V1PersistentVolumeClaim[] }>({ method: 'GET', path: collectionPath(resources.persistentVolumeClaims, NAMESPACE) });
      return list.items.map((claim) => `${claim.metadata?.name ?? ''}/${claim.metadata?.uid ?? ''}`).sort();
    };
    const before = await claims();
    assert.ok(before.length > 0, 'the example has PersistentVolumeClaims');
    await helmOk(['uninstall', RELEASE, ...helmArgs(), '--wait', '--timeout', '3m']);
    await waitUntil(async () => (await cluster.pods(`app.kubernetes.io/instance=${RELEASE}`)).length === 0, { what: 'the operator pod to be gone', timeoutMs: 120_000, intervalMs: 1000 });
    assert.deepEqual(await claims(), before);
    const name = exampleCluster().metadata.name;
    assert.ok(await cluster.admin.request({ method: 'GET', path: objectPath(resources.atomixClusters, NAMESPACE, name) }));
  });
});
