// Cluster DNS (CoreDNS with the kubernetes plugin, fed by the EndpointSlice controller) answers
// what Atomix's DNS discovery and its peers look up: SRV for the bare name of the headless
// discovery Service with one record per StatefulSet pod (targets are pod names), and A records
// for pod.service.namespace.svc.cluster.local, not-ready pods included (publishNotReadyAddresses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { adminKubeConfig, createTestNamespace, readinessAnnotation, waitFor } from '../support/cluster.js';
import { controlPlaneEnv } from '../support/control-plane-env.js';
import { repoRoot } from '../support/manifests.js';

const DNS_TIMEOUT_MS = 90_000;
const PORT = 5679;

test('cluster DNS answers SRV and pod A records of a headless Service over a StatefulSet', { timeout: 180_000 }, async () => {
  const namespace = await createTestNamespace('dns');
  const kubeConfig = adminKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const labels = { app: 'dns-test' };
  const headless = (name: string, publishNotReadyAddresses: boolean) =>
    core.createNamespacedService({
      namespace,
      body: {
        metadata: { name },
        spec: { clusterIP: 'None', publishNotReadyAddresses, selector: labels, ports: [{ name: 'node', port: PORT }] },
      },
    });
  await headless('peers', true);
  await headless('ready-peers', false);
  await apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: 'member' },
      spec: {
        serviceName: 'peers',
        replicas: 3,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'atomix', image: 'atomix/atomix:3.1.12', ports: [{ name: 'node', containerPort: PORT }] }] },
        },
      },
    },
  });
  const pods = await waitFor(
    async () => {
      const list = (await core.listNamespacedPod({ namespace })).items;
      return list.length === 3 && list.every((pod) => pod.status?.podIP) && list;
    },
    { what: 'three member pods with IPs', timeoutMs: 60_000 },
  );
  const ipOf = (pod: V1Pod) => pod.status?.podIP ?? '';
  // One member stops being ready: it stays in the discovery Service, not in the other one.
  const annotations = { ...(await core.readNamespacedPod({ namespace, name: 'member-2' })).metadata?.annotations, [readinessAnnotation]: 'false' };
  await core.patchNamespacedPod({ namespace, name: 'member-2', body: [{ op: 'add', path: '/metadata/annotations', value: annotations }] });

  const { dns } = controlPlaneEnv();
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`${dns.address}:${dns.port}`]);
  const domain = `${namespace}.svc.cluster.local`;

  const srv = await waitFor(
    async () => {
      const records = await resolver.resolveSrv(`peers.${domain}`);
      return records.length === 3 && records;
    },
    { what: `3 SRV records for peers.${domain}`, timeoutMs: DNS_TIMEOUT_MS, intervalMs: 1000 },
  );
  assert.deepEqual(srv.map((record) => `${record.name}:${record.port}`).sort(), [0, 1, 2].map((i) => `member-${i}.peers.${domain}:${PORT}`));

  for (const pod of pods) {
    assert.deepEqual(await resolver.resolve4(`${pod.metadata?.name ?? ''}.peers.${domain}`), [ipOf(pod)]);
  }
  assert.deepEqual((await resolver.resolve4(`peers.${domain}`)).sort(), pods.map(ipOf).sort());

  await waitFor(async () => (await resolver.resolveSrv(`ready-peers.${domain}`)).length === 2, {
    what: 'the not-ready member to leave the Service without publishNotReadyAddresses',
    timeoutMs: DNS_TIMEOUT_MS,
    intervalMs: 1000,
  });
  assert.equal((await resolver.resolveSrv(`peers.${domain}`)).length, 3, 'publishNotReadyAddresses keeps the not-ready member');

  // Atomix's own lookup: JNDI SRV of the bare service name; member id = first label of the target.
  const { stdout } = await promisify(execFile)('java', [join(repoRoot, 'test/support/JndiSrvLookup.java'), `${dns.address}:${dns.port}`, `peers.${domain}`]);
  const ids = stdout.trim().split('\n').map((record) => {
    const [, , port, target = ''] = record.split(' ');
    assert.equal(Number(port), PORT);
    return target.split('.')[0];
  });
  assert.deepEqual(ids.sort(), ['member-0', 'member-1', 'member-2']);
});
