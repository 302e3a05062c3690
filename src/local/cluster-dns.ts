// Cluster DNS for the local cluster: CoreDNS (tools/coredns) with its kubernetes plugin,
// answering for the cluster domain from the API server's Services and EndpointSlices as a
// real cluster's DNS does: Service and pod A records (a pod's hostname.subdomain from its
// StatefulSet), SRV records, headless Services, publishNotReadyAddresses.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { statusCodeOf } from '../kube/errors.js';
import { install, scriptPath } from './install-script.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { ManagedProcess, ProcessGroup } from './managed-process.js';
import { CLUSTER_DOMAIN } from './node/pod-mode.js';
import { findFreePort } from './ports.js';
import { httpGetStatus, waitUntil } from './readiness.js';

export interface ClusterDnsOptions {
  /**
   * Where CoreDNS listens (UDP and TCP): the pod network's host address (the sandbox runtime's
   * hostAddress), which every pod's resolv.conf names. Must exist on this machine.
   */
  address: string;
  /** Default 53, the only port a resolv.conf can name; tests on loopback pick a free one. */
  port?: number;
  /** The coredns binary; default: scripts/install-coredns.sh (built once, cached). */
  binary?: string;
}

/** What a kubelet writes into a pod's resolv.conf: `nameserver address` and the search domains. */
export interface ClusterDnsEndpoint {
  address: string;
  port: number;
  clusterDomain: string;
}

/** The user CoreDNS authenticates as; it may only read what it answers from. */
export const CORE_DNS_USER = 'system:coredns';
const CORE_DNS_ROLE = 'local:coredns';
const READY_TIMEOUT_MS = 60_000;

/**
 * Starts CoreDNS in group with its own kubeconfig (as CORE_DNS_USER, which this grants read
 * access to Services, EndpointSlices, pods and namespaces) and waits until its ready endpoint
 * reports that the kubernetes plugin has synced with the API server. Logs to dir/coredns.log.
 */
export async function startClusterDns(
  group: ProcessGroup,
  context: { dir: string; admin: KubeConfig; kubeConfig: KubeConfig; log: (line: string) => void },
  options: ClusterDnsOptions,
): Promise<{ endpoint: ClusterDnsEndpoint; process: ManagedProcess }> {
  const binary = options.binary ?? (await install(scriptPath('install-coredns.sh'), [], context.log));
  await grantReadAccess(context.admin);
  const dir = join(context.dir, 'coredns');
  mkdirSync(dir, { recursive: true });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(context.kubeConfig), { mode: 0o600 });
  const endpoint = { address: options.address, port: options.port ?? 53, clusterDomain: CLUSTER_DOMAIN };
  const readyPort = await findFreePort();
  const healthPort = await findFreePort();
  const corefilePath = join(dir, 'Corefile');
  writeFileSync(corefilePath, corefile(endpoint, { kubeconfigPath, readyPort, healthPort }));
  const process = group.start({ name: 'coredns', command: binary, args: ['-conf', corefilePath], logPath: join(context.dir, 'coredns.log') });
  await waitUntil(async () => (await httpGetStatus(`http://127.0.0.1:${readyPort}/ready`)) === 200, {
    what: 'CoreDNS /ready',
    timeoutMs: READY_TIMEOUT_MS,
    processes: [process],
  });
  return { endpoint, process };
}

/**
 * kube-dns's configuration, minus what needs the internet (forward to upstream resolvers):
 * names outside the cluster domain get no answer. `pods insecure` answers the A-A-A-A.ns.pod
 * names of the spec without watching every pod; StatefulSet pods get their hostname.subdomain
 * records from the EndpointSlices of their headless Service, which is what Atomix's DNS
 * discovery follows. Reverse zones fall through for addresses that are not the cluster's.
 */
function corefile(endpoint: ClusterDnsEndpoint, local: { kubeconfigPath: string; readyPort: number; healthPort: number }): string {
  return `.:${endpoint.port} {
    bind ${endpoint.address}
    ready 127.0.0.1:${local.readyPort}
    health 127.0.0.1:${local.healthPort}
    errors
    log
    cache 30
    kubernetes ${endpoint.clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${local.kubeconfigPath}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
}
`;
}

/** The rules of kubeadm's system:coredns ClusterRole: read what the kubernetes plugin watches. */
async function grantReadAccess(admin: KubeConfig): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const ignoreExisting = (error: unknown) => {
    if (statusCodeOf(error) !== 409) throw error;
  };
  await rbac
    .createClusterRole({
      body: {
        metadata: { name: CORE_DNS_ROLE },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
    })
    .catch(ignoreExisting);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: CORE_DNS_ROLE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CORE_DNS_ROLE },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CORE_DNS_USER }],
      },
    })
    .catch(ignoreExisting);
}
