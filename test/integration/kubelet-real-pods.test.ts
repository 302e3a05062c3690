// The local kubelet with real pods: processes in pod sandboxes, against its own control plane
// (the shared one of with-control-plane.ts simulates pods for the operator's tests).
// Needs Linux and root: where the sandbox is unavailable these tests fail, they do not skip.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { writeRequests } from '../../src/local/audit-log.js';
import { waitUntil } from '../../src/local/readiness.js';
import { hostImages, SHELL_AS_USER_IMAGE, SHELL_IMAGE } from '../support/host-images.js';

const namespace = 'default';
const kubeletUser = 'local:node-agent';

let controlPlane: ControlPlane;
let core: CoreV1Api;

before(async () => {
  controlPlane = await startControlPlane({ pods: 'real', images: hostImages, log: () => {} });
  assert.equal(controlPlane.podMode, 'real', `the sandbox is unavailable: ${String(controlPlane.podModeReason)}`);
  core = controlPlane.kubeConfig().makeApiClient(CoreV1Api);
});

after(async () => {
  // Unset when before() failed to start it.
  await (controlPlane as ControlPlane | undefined)?.stop();
});

function shellPod(name: string, script: string, extra: { container?: Partial<V1Container>; spec?: Partial<V1Pod['spec']> } = {}): V1Pod {
  return {
    metadata: { name, labels: { test: name } },
    spec: {
      terminationGracePeriodSeconds: 5,
      ...extra.spec,
      containers: [{ name: 'main', image: SHELL_IMAGE, args: [script], ...extra.container }],
    },
  };
}

async function create(pod: V1Pod): Promise<V1Pod> {
  return core.createNamespacedPod({ namespace, body: pod });
}

function read(name: string): Promise<V1Pod> {
  return core.readNamespacedPod({ name, namespace });
}

function waitForPod(name: string, what: string, check: (pod: V1Pod) => boolean, timeoutMs = 60_000): Promise<V1Pod> {
  return waitUntil(
    async () => {
      const pod = await read(name);
      return check(pod) && pod;
    },
    { what: `pod ${name}: ${what}`, timeoutMs, intervalMs: 250 },
  );
}

function logs(name: string, options: { previous?: boolean; container?: string } = {}): Promise<string> {
  return core.readNamespacedPodLog({ name, namespace, container: options.container ?? 'main', previous: options.previous });
}

async function waitForLogs(name: string, pattern: RegExp, options: { previous?: boolean } = {}): Promise<string> {
  try {
    return await waitUntil(async () => {
      const text = await logs(name, options);
      return pattern.test(text) && text;
    }, { what: `logs of ${name} to match ${String(pattern)}`, timeoutMs: 60_000, intervalMs: 500 });
  } catch (error) {
    const status = await read(name).then((pod) => JSON.stringify(pod.status?.containerStatuses), String);
    throw new Error(`${error instanceof Error ? error.message : String(error)}; container statuses: ${status}`, { cause: error });
  }
}

async function deleteAndWait(name: string, gracePeriodSeconds?: number): Promise<number> {
  const startedAt = Date.now();
  await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds });
  await waitUntil(
    async () => read(name).then(() => false, () => true),
    { what: `pod ${name} to be gone`, timeoutMs: 90_000, intervalMs: 200 },
  );
  return Date.now() - startedAt;
}

const running = (pod: V1Pod) => pod.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running !== undefined;
const ready = (pod: V1Pod) => pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';

describe('real pods on the local kubelet', () => {
  test('a pod runs its command with the rendered env, $(VAR) expansion, its own IP, and its output is kubectl logs', async () => {
    await create(
      shellPod('env', '', {
        container: {
          command: ['/bin/sh', '-c'],
          args: [
            'echo "member=$0 address=$1 escaped=$2"; echo "node=$NODE_NAME ip=$POD_IP image=$FROM_IMAGE over=$OVERRIDDEN"; echo "host=$(hostname) uid=$(id -u)"; sleep 600',
            '$(POD_NAME)',
            '$(POD_NAME).svc:5679',
            '$$(POD_NAME)',
          ],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'OVERRIDDEN', value: 'pod' },
          ],
        },
      }),
    );
    const pod = await waitForPod('env', 'running', running);
    const podIP = pod.status?.podIP ?? '';
    assert.match(podIP, /^10\.2\d\d\.\d+\.\d+$/);
    assert.equal(pod.status?.hostIP, '127.0.0.1');
    assert.ok(controlPlane.nodeNames.includes(pod.spec?.nodeName ?? ''));
    const text = await waitForLogs('env', /uid=/);
    assert.match(text, /^member=env address=env\.svc:5679 escaped=\$\(POD_NAME\)$/m);
    assert.match(text, new RegExp(`^node=${String(pod.spec?.nodeName)} ip=${podIP.replace(/\./g, '\\.')} image=image over=pod$`, 'm'));
    assert.match(text, /^host=env uid=0$/m);
    assert.ok(ready(pod) || ready(await waitForPod('env', 'ready', ready)));
    await deleteAndWait('env');
  });

  test('logs follow a running container until it ends, and take tailLines and timestamps', async () => {
    await create(shellPod('talker', 'echo first; sleep 3; echo second; echo third', { spec: { restartPolicy: 'Never' } }));
    await waitForPod('talker', 'running', running);
    const startedAt = Date.now();
    const followed = await core.readNamespacedPodLog({ name: 'talker', namespace, container: 'main', follow: true });
    assert.equal(followed, 'first\nsecond\nthird\n');
    assert.ok(Date.now() - startedAt >= 1500, 'follow waited for the lines still to come');
    assert.equal(await core.readNamespacedPodLog({ name: 'talker', namespace, container: 'main', tailLines: 2 }), 'second\nthird\n');
    const stamped = await core.readNamespacedPodLog({ name: 'talker', namespace, container: 'main', timestamps: true });
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) first\n/);
    await assert.rejects(core.readNamespacedPodLog({ name: 'talker', namespace, container: 'main', previous: true }), /previous terminated container \\+"main\\+" in pod \\+"talker\\+" not found/);
    await deleteAndWait('talker');
  });

  test('an image the node cannot run leaves the pod Pending with ErrImagePull, never Running', async () => {
    await create({ metadata: { name: 'unknown-image' }, spec: { containers: [{ name: 'main', image: 'registry.invalid/nothing:1' }] } });
    const pod = await waitForPod('unknown-image', 'waiting for its image', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
    assert.equal(pod.status?.phase, 'Pending');
    assert.match(pod.status.containerStatuses?.[0]?.state?.waiting?.message ?? '', /cannot run image "registry\.invalid\/nothing:1"/);
    const backingOff = await waitForPod('unknown-image', 'backing off', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff');
    assert.equal(backingOff.status?.phase, 'Pending');
    assert.equal(ready(backingOff), false);
    await deleteAndWait('unknown-image');
  });

  test('readiness follows an exec probe both ways; ContainersReady and Ready flip with it', async () => {
    await create(
      shellPod('readiness', 'sleep 2; touch /tmp/ready; sleep 6; rm /tmp/ready; sleep 600', {
        container: { readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } },
      }),
    );
    const becameReady = await waitForPod('readiness', 'ready', ready);
    assert.equal(becameReady.status?.containerStatuses?.[0]?.ready, true);
    assert.equal(becameReady.status.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
    const notReady = await waitForPod('readiness', 'not ready again', (pod) => !ready(pod));
    assert.equal(notReady.status?.phase, 'Running');
    assert.equal(notReady.status.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(notReady.status.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'False');
    await deleteAndWait('readiness');
  });

  test('an httpGet readiness probe and a tcpSocket liveness probe reach the pod IP', async () => {
    await create(
      shellPod('http', 'exec python3 -m http.server 8080', {
        container: {
          ports: [{ name: 'web', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 'web' }, periodSeconds: 1 },
          livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
        },
      }),
    );
    const pod = await waitForPod('http', 'ready', ready);
    const answer = await fetch(`http://${String(pod.status?.podIP)}:8080/`);
    assert.equal(answer.status, 200, 'the pod IP is reachable from the host');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.equal((await read('http')).status?.containerStatuses?.[0]?.restartCount, 0, 'a passing liveness probe restarts nothing');
    await deleteAndWait('http');
  });

  test('a failing liveness probe restarts the container', async () => {
    await create(shellPod('liveness', 'sleep 600', { container: { livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 2 } } }));
    const pod = await waitForPod('liveness', 'restarted', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    assert.ok(pod.status?.containerStatuses?.[0]?.lastState?.terminated, 'the killed container is the last state');
    await deleteAndWait('liveness', 0);
  });

  test('a crashing container restarts with back-off, counts restarts, keeps the previous log', async () => {
    await create(shellPod('crash', 'echo "run at $(date +%s%N)"; exit 3'));
    const backingOff = await waitForPod(
      'crash',
      'in CrashLoopBackOff',
      (pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
    );
    const status = backingOff.status?.containerStatuses?.[0];
    assert.ok((status?.restartCount ?? 0) >= 1);
    assert.equal(status?.lastState?.terminated?.exitCode, 3);
    assert.equal(status.lastState.terminated.reason, 'Error');
    assert.match(status.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=main pod=crash_default/);
    assert.equal(backingOff.status?.phase, 'Running');
    assert.match(await logs('crash', { previous: true }), /^run at \d+\n$/);
    const later = await waitForPod('crash', 'restarted after its back-off', (pod) => (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 45_000);
    assert.match(later.status?.containerStatuses?.[0]?.state?.waiting?.message ?? 'running', /back-off 20s|running/);
    await deleteAndWait('crash', 0);
  });

  test('restartPolicy Never: a failed container ends the pod as Failed, OnFailure: success as Succeeded', async () => {
    await create(shellPod('never', 'exit 1', { spec: { restartPolicy: 'Never' } }));
    await create(shellPod('onfailure', 'exit 0', { spec: { restartPolicy: 'OnFailure' } }));
    const failed = await waitForPod('never', 'Failed', (pod) => pod.status?.phase === 'Failed');
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
    assert.equal(failed.status.containerStatuses[0].restartCount, 0);
    const succeeded = await waitForPod('onfailure', 'Succeeded', (pod) => pod.status?.phase === 'Succeeded');
    assert.equal(succeeded.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    await Promise.all([deleteAndWait('never'), deleteAndWait('onfailure')]);
  });

  test('deletion sends SIGTERM, waits for the grace period, then SIGKILL; the pod object goes only after', async () => {
    await create(shellPod('ignores-term', "trap 'echo got TERM' TERM; while true; do sleep 0.2; done", { spec: { terminationGracePeriodSeconds: 4 } }));
    await create(shellPod('obeys-term', "trap 'echo bye; exit 0' TERM; while true; do sleep 0.2; done", { spec: { terminationGracePeriodSeconds: 30 } }));
    await Promise.all([waitForPod('ignores-term', 'running', running), waitForPod('obeys-term', 'running', running)]);
    const [ignoring, obeying] = await Promise.all([deleteAndWait('ignores-term'), deleteAndWait('obeys-term')]);
    assert.ok(ignoring >= 4000, `the pod that ignores SIGTERM is killed after its grace period (${ignoring} ms)`);
    assert.ok(ignoring < 20_000, `and not much later (${ignoring} ms)`);
    assert.ok(obeying < 10_000, `the pod that exits on SIGTERM goes at once (${obeying} ms)`);
  });

  test('a steady pod costs no status writes', async () => {
    await create(shellPod('steady', 'sleep 600', { container: { readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } } }));
    await waitForPod('steady', 'ready', ready);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const writes = writeRequests(controlPlane.auditLogPath, { user: kubeletUser, since }).filter((write) => write.name === 'steady');
    assert.deepEqual(writes, []);
    await deleteAndWait('steady', 0);
  });

  test('securityContext: runAsUser/runAsGroup over the image USER, fsGroup owns the volumes', async () => {
    await create({
      metadata: { name: 'users' },
      spec: {
        securityContext: { fsGroup: 2000 },
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          { name: 'main', image: SHELL_AS_USER_IMAGE, args: ['echo "ids=$(id -u):$(id -g) groups=$(id -G)"; stat -c "%g %A" /scratch; touch /scratch/f && echo wrote; touch /var/cache/shell/f && echo "layer $(stat -c %u:%g /var/cache/shell)"; sleep 600'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
          { name: 'other', image: SHELL_AS_USER_IMAGE, args: ['echo "ids=$(id -u):$(id -g)"; sleep 600'], securityContext: { runAsUser: 3000, runAsGroup: 3001 } },
        ],
      },
    });
    const text = await waitForLogs('users', /wrote\nlayer 1000:1000/);
    assert.match(text, /^ids=1000:1000 groups=1000 2000$/m);
    assert.match(text, /^2000 drwxrwsrwx$/m);
    assert.match(await logs('users', { container: 'other' }), /^ids=3000:3001$/m);
    await deleteAndWait('users', 0);
  });

  test('a ConfigMap volume is files at its mountPath, with items and modes, and follows updates of the ConfigMap', async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'conf' }, data: { 'atomix.conf': 'version 1', other: 'x' } } });
    await create(
      shellPod('configmap', 'ls -l /etc/atomix/; stat -L -c "%a" /etc/atomix/renamed.conf; while true; do echo "content: $(cat /etc/atomix/renamed.conf)"; sleep 0.5; done', {
        spec: { volumes: [{ name: 'config', configMap: { name: 'conf', items: [{ key: 'atomix.conf', path: 'renamed.conf', mode: 0o600 }] } }] },
        container: { volumeMounts: [{ name: 'config', mountPath: '/etc/atomix', readOnly: true }] },
      }),
    );
    const first = await waitForLogs('configmap', /content: version 1/);
    assert.match(first, /^600$/m);
    assert.doesNotMatch(first, /other/);
    await core.patchNamespacedConfigMap({ name: 'conf', namespace, body: [{ op: 'replace', path: '/data/atomix.conf', value: 'version 2' }] });
    await waitForLogs('configmap', /content: version 2/);
    await deleteAndWait('configmap', 0);
    await core.deleteNamespacedConfigMap({ name: 'conf', namespace });
  });

  test('a pod whose ConfigMap is missing waits in ContainerCreating and starts once it exists', async () => {
    await create(shellPod('late-config', 'echo "$(cat /config/key)"; sleep 600', {
      spec: { volumes: [{ name: 'config', configMap: { name: 'late' } }] },
      container: { volumeMounts: [{ name: 'config', mountPath: '/config' }] },
    }));
    const waiting = await waitForPod('late-config', 'waiting for its volume', (pod) => /configmap "late" not found/.test(pod.status?.containerStatuses?.[0]?.state?.waiting?.message ?? ''));
    assert.equal(waiting.status?.phase, 'Pending');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'late' }, data: { key: 'arrived' } } });
    await waitForLogs('late-config', /^arrived/);
    await deleteAndWait('late-config', 0);
    await core.deleteNamespacedConfigMap({ name: 'late', namespace });
  });

  test('a claim gets a local volume that survives the pod, grows on request, and goes with the claim', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: { metadata: { name: 'data' }, spec: { storageClassName: 'fast-disks', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
    const volume = { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] }, container: { volumeMounts: [{ name: 'data', mountPath: '/var/lib/atomix' }] } };
    await create(shellPod('writer', 'echo kept > /var/lib/atomix/file && echo written; sleep 600', volume));
    await waitForLogs('writer', /written/);
    await deleteAndWait('writer', 0);
    await create(shellPod('reader', 'echo "found $(cat /var/lib/atomix/file)"; sleep 600', volume));
    await waitForLogs('reader', /found kept/);

    await core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace, body: [{ op: 'replace', path: '/spec/resources/requests/storage', value: '2Gi' }] });
    const grown = await waitUntil(async () => {
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace });
      return claim.status?.capacity?.['storage'] === '2Gi' && claim;
    }, { what: 'the claim to be expanded', timeoutMs: 30_000 });
    const pv = await core.readPersistentVolume({ name: grown.spec?.volumeName ?? '' });
    assert.equal(pv.spec?.capacity?.['storage'], '2Gi');
    await deleteAndWait('reader', 0);
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'data', namespace });
    await waitUntil(async () => core.readPersistentVolume({ name: pv.metadata?.name ?? '' }).then(() => false, () => true), {
      what: 'the volume to be deleted with its claim',
      timeoutMs: 30_000,
    });
  });

  test('a pod resolves cluster names through cluster DNS: its own record under its subdomain, and a Service', async () => {
    assert.equal(controlPlane.dns?.port, 53, 'real pods get cluster DNS on port 53, the only one resolv.conf can name');
    await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'dns-peers' }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { test: 'resolver' }, ports: [{ port: 5679 }] } },
    });
    // Short names, so the lookup goes through resolv.conf's search domains as an application's would.
    const script = 'for i in $(seq 45); do a=$(getent hosts resolver.dns-peers) && break; sleep 1; done; echo "pod $a"; echo "service $(getent hosts kubernetes)"; sleep 600';
    await create(shellPod('resolver', script, { spec: { hostname: 'resolver', subdomain: 'dns-peers' } }));
    const pod = await waitForPod('resolver', 'running', running);
    const text = await waitForLogs('resolver', /^service /m);
    const podIP = (pod.status?.podIP ?? '').replace(/\./g, '\\.');
    assert.match(text, new RegExp(`^pod ${podIP}\\s+resolver\\.dns-peers\\.${namespace}\\.svc\\.cluster\\.local$`, 'm'));
    assert.match(text, /^service 10\.96\.0\.1\s+kubernetes\.default\.svc\.cluster\.local$/m);
    await deleteAndWait('resolver', 0);
    await core.deleteNamespacedService({ name: 'dns-peers', namespace });
  });
});
