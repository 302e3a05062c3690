// The README's quick start, verbatim, with the operator running in-cluster from its own image:
// kubectl create of the CRD, the ServiceAccount, the Role, the RoleBinding and the operator's
// Deployment, then the README example, which becomes Ready through that operator. The seed
// patches that follow in the README run in `npm run test:quick-start` (quick-start-patches.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { writeRequests } from '../../src/local/audit-log.js';
import { OPERATOR_IMAGE } from '../../src/local/images/local-image-store.js';
import { NAMESPACE, OPERATOR_USER, QUICK_START, readmeShellLines, runBlock, startQuickStart, waitForOperator, type QuickStart } from './quick-start.js';
import { SUITE_TIMEOUT_MS } from './real-cluster.js';

describe('the README quick start with the operator as a pod', { timeout: SUITE_TIMEOUT_MS }, () => {
  const [install = [], example = []] = readmeShellLines(QUICK_START);
  let quickStart: QuickStart;

  before(async () => {
    quickStart = await startQuickStart();
  });
  after(() => (quickStart as QuickStart | undefined)?.stop());

  test('kubectl create -f of deploy/ runs the operator image in-cluster, with its probes passing', async () => {
    assert.deepEqual(install.map((line) => line.split(' ').slice(0, 3).join(' ')), Array<string>(5).fill('kubectl create -f'));
    const outputs = await runBlock(quickStart, install);
    assert.match(outputs.join(''), /deployment.apps\/atomix-operator created/);

    const { cluster } = quickStart;
    await waitForOperator(cluster);
    const [pod] = await cluster.pods('app.kubernetes.io/name=atomix-operator');
    assert.ok(pod, 'the Deployment has a pod');
    const status = pod.status?.containerStatuses?.[0];
    assert.ok(status, 'the pod has a container status');
    assert.equal(status.image, OPERATOR_IMAGE);
    assert.equal(status.ready, true, 'the readiness probe (GET /readyz on port metrics) passed');
    assert.equal(status.restartCount, 0, 'the liveness probe (GET /healthz) never failed');
    assertInClusterSetup(pod);
    const logs = await quickStart.shell('kubectl logs deploy/atomix-operator');
    assert.match(logs, /"msg":"serving \/metrics, \/healthz and \/readyz"/);
  });

  test('the README example becomes Ready through the in-cluster operator, with its ServiceAccount’s RBAC', async () => {
    const [create = '', get = ''] = example;
    assert.match(create, /^kubectl create -f deploy\/crds\/atomixcluster_cr\.yaml$/);
    const since = new Date();
    await quickStart.shell(create);
    const ready = await quickStart.cluster.waitUntilReady('example-atomixcluster');
    assert.equal(ready.status?.managementGroup?.readyReplicas, 1);
    assert.deepEqual(ready.status.partitionGroups?.map((group) => [group.name, group.readyReplicas]), [['raft', 3]]);
    assert.match(await quickStart.shell(get), /^example-atomixcluster\s/m);

    // The StatefulSets and the cluster's status were written by the operator's pod, as its ServiceAccount.
    const writers = new Set(
      writeRequests(quickStart.cluster.controlPlane.auditLogPath, { since })
        .filter((request) => (request.resource === 'statefulsets' && request.subresource === undefined) || (request.resource === 'atomixclusters' && request.subresource === 'status'))
        .map((request) => request.user),
    );
    assert.deepEqual([...writers], [OPERATOR_USER]);
  });
});

/** What the ServiceAccount admission plugin and the kubelet gave the operator's pod. */
function assertInClusterSetup(pod: V1Pod): void {
  assert.equal(pod.metadata?.namespace, NAMESPACE);
  assert.equal(pod.spec?.serviceAccountName, 'atomix-operator');
  const tokenVolume = pod.spec.volumes?.find((volume) => volume.name.startsWith('kube-api-access-'));
  assert.ok(tokenVolume, 'the ServiceAccount token volume is injected');
  assert.ok(tokenVolume.projected?.sources?.some((source) => source.serviceAccountToken));
  const mount = pod.spec.containers[0]?.volumeMounts?.find((candidate) => candidate.name === tokenVolume.name);
  assert.equal(mount?.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
}
