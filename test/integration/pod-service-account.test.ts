// Pods talk to the API server as on a real cluster: the ServiceAccount admission plugin injects
// the kube-api-access volume, the local kubelet fills it (a TokenRequest token bound to the pod,
// kube-root-ca.crt, the namespace) and sets KUBERNETES_SERVICE_HOST/PORT to where pods reach the
// API server. Its own control plane with real pods; needs Linux and root (fails, never skips).
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Pod, type V1Volume } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { waitUntil } from '../../src/local/readiness.js';
import { hostImages, SHELL_IMAGE } from '../support/host-images.js';

const namespace = 'in-cluster';
const serviceAccount = 'pod-reader';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

let controlPlane: ControlPlane;
let core: CoreV1Api;

before(async () => {
  controlPlane = await startControlPlane({ pods: 'real', images: hostImages, nodes: 1, log: () => {} });
  assert.equal(controlPlane.podMode, 'real', `the sandbox is unavailable: ${controlPlane.podModeReason ?? ''}`);
  core = controlPlane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount } } });
  const rbac = controlPlane.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'get-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'get-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'get-pods' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  });
});

after(async () => {
  await (controlPlane as ControlPlane | undefined)?.stop();
});

/** curl against the API server the way an in-cluster client finds it: env, token, CA. */
const API = [
  `api() { curl -sS --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" "$@"; }`,
  'base="https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"',
].join('\n');

function shellPod(name: string, script: string, spec: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, ...spec, containers: [{ name: 'main', image: SHELL_IMAGE, args: [script] }] },
  };
}

function waitForLogs(name: string, pattern: RegExp): Promise<string> {
  return waitUntil(
    async () => {
      const text = await core.readNamespacedPodLog({ name, namespace, container: 'main' });
      return pattern.test(text) && text;
    },
    { what: `logs of pod ${name} to match ${String(pattern)}`, timeoutMs: 90_000, intervalMs: 500 },
  );
}

/** The lines of the logs that start with `key=`, without it. */
function field(logs: string, key: string): string {
  const line = logs.split('\n').find((candidate) => candidate.startsWith(`${key}=`));
  assert.ok(line !== undefined, `no ${key}= line in the logs:\n${logs}`);
  return line.slice(key.length + 1);
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

/** The HTTP status of a GET with the token, from the host. */
function apiStatus(token: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(`${controlPlane.server}${path}`, { ca: controlPlane.caPem, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('pods reach the API server with their ServiceAccount', () => {
  test('the injected kube-api-access volume holds a pod-bound token, the CA and the namespace, and works in-cluster', async () => {
    const script = [
      API,
      `echo "files=$(ls ${SA_DIR} | tr '\\n' ' ')"`,
      `echo "namespace=$(cat ${SA_DIR}/namespace)"`,
      'echo "service=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $KUBERNETES_PORT"',
      `echo "token=$(cat ${SA_DIR}/token)"`,
      `echo "audience-token=$(cat /var/run/secrets/tokens/vault)"`,
      `echo "review=$(api -X POST -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' $base/apis/authentication.k8s.io/v1/selfsubjectreviews | tr -d '\\n')"`,
      `echo "own-pod=$(api -o /dev/null -w '%{http_code}' $base/api/v1/namespaces/${namespace}/pods/$(hostname))"`,
      `echo "other-namespace=$(api -o /dev/null -w '%{http_code}' $base/api/v1/namespaces/default/pods)"`,
      'echo done; sleep 600',
    ].join('\n');
    const tokenVolume: V1Volume = {
      name: 'vault-token',
      projected: { sources: [{ serviceAccountToken: { path: 'vault', audience: 'vault.example', expirationSeconds: 600 } }] },
    };
    const spec = shellPod('reader', script, { serviceAccountName: serviceAccount, volumes: [tokenVolume] });
    const container = spec.spec?.containers[0];
    if (container) container.volumeMounts = [{ name: 'vault-token', mountPath: '/var/run/secrets/tokens', readOnly: true }];
    const created = await core.createNamespacedPod({ namespace, body: spec });

    // What the ServiceAccount admission plugin added.
    const injected = created.spec?.volumes?.find((volume) => volume.name.startsWith('kube-api-access-'));
    assert.ok(injected, `no kube-api-access volume in ${JSON.stringify(created.spec?.volumes)}`);
    assert.deepEqual(injected.projected?.sources?.map((source) => Object.keys(source)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
    const mount = created.spec?.containers[0]?.volumeMounts?.find((candidate) => candidate.name === injected.name);
    assert.deepEqual([mount?.mountPath, mount?.readOnly], [SA_DIR, true]);

    const logs = await waitForLogs('reader', /^done$/m);
    const pod = await core.readNamespacedPod({ name: 'reader', namespace });
    assert.equal(field(logs, 'files'), 'ca.crt namespace token ');
    assert.equal(field(logs, 'namespace'), namespace);
    const endpoint = controlPlane.apiServerForPods;
    assert.ok(endpoint);
    assert.equal(field(logs, 'service'), `${endpoint.host}:443 tcp://${endpoint.host}:443`);

    // Authenticated as the ServiceAccount, on behalf of this pod, authorized by its Role only.
    const review = JSON.parse(field(logs, 'review')) as { status: { userInfo: { username: string; extra: Record<string, string[]> } } };
    assert.equal(review.status.userInfo.username, `system:serviceaccount:${namespace}:${serviceAccount}`);
    assert.deepEqual(review.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['reader']);
    assert.deepEqual(review.status.userInfo.extra['authentication.kubernetes.io/pod-uid'], [pod.metadata?.uid]);
    assert.equal(field(logs, 'own-pod'), '200');
    assert.equal(field(logs, 'other-namespace'), '403');

    // The tokens are the TokenRequest API's, bound to the pod, with the projection's audience and lifetime.
    const token = jwtClaims(field(logs, 'token'));
    assert.deepEqual((token['kubernetes.io'] as { pod: { name: string; uid: string } }).pod, { name: 'reader', uid: pod.metadata?.uid });
    assert.deepEqual(token.aud, [controlPlane.server]);
    const audienceToken = jwtClaims(field(logs, 'audience-token'));
    assert.deepEqual(audienceToken.aud, ['vault.example']);
    assert.equal(Number(audienceToken.exp) - Number(audienceToken.iat), 600);

    // A bound token stops working when its pod is gone.
    await core.deleteNamespacedPod({ name: 'reader', namespace });
    await waitUntil(async () => (await core.listNamespacedPod({ namespace })).items.length === 0, { what: 'pod reader to be gone', timeoutMs: 60_000 });
    await waitUntil(async () => (await apiStatus(field(logs, 'token'), `/api/v1/namespaces/${namespace}/pods`)) === 401, {
      what: 'the deleted pod’s token to be rejected',
      timeoutMs: 60_000,
    });
  });

  test('automountServiceAccountToken: false gets no token volume, as on a real node', async () => {
    const script = `${API}\n[ -e ${SA_DIR} ] && echo "mounted=yes" || echo "mounted=no"; echo done; sleep 600`;
    const created = await core.createNamespacedPod({ namespace, body: shellPod('no-token', script, { automountServiceAccountToken: false }) });
    assert.equal(created.spec?.volumes?.some((volume) => volume.name.startsWith('kube-api-access-')) ?? false, false);
    const logs = await waitForLogs('no-token', /^done$/m);
    assert.equal(field(logs, 'mounted'), 'no');
    await core.deleteNamespacedPod({ name: 'no-token', namespace, gracePeriodSeconds: 0 });
  });
});
