import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, RbacAuthorizationV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import {
  clientCertificateAuthority,
  kubeletPki,
  serviceAccountSigningKey,
  tokenAuthFile,
  tokenUser,
  writeRequestsAuditPolicy,
  type KubeletPki,
  type TokenUser,
} from './credentials.js';
import { kubeConfigForToken, kubeconfigYaml, serviceAccountKubeConfig } from './kubeconfig.js';
import { statusCodeOf } from '../kube/errors.js';
import { ProcessGroup, type ManagedProcess } from './managed-process.js';
import type { ImageStore } from './images/types.js';
import { LocalKubelet } from './node/kubelet.js';
import { startPodMode, type PodModeChoice } from './node/pod-mode.js';
import { KubeClient } from '../kube/client.js';
import { findFreePort } from './ports.js';
import { install, scriptPath } from './install-script.js';
import { CORE_DNS_USER, startClusterDns, type ClusterDnsEndpoint, type ClusterDnsOptions } from './cluster-dns.js';
import { httpGetStatus, waitUntil } from './readiness.js';
import { KUBERNETES_SERVICE_PORT, startApiServerProxy, type ApiServerProxy, type Endpoint } from './apiserver-proxy.js';

export interface ControlPlaneOptions {
  /** Working directory for data, logs, keys and kubeconfigs; default: a new temporary directory. */
  dir?: string;
  /** Directory with etcd, kube-apiserver, kube-controller-manager and kube-scheduler; default: scripts/install-control-plane.sh. */
  binDir?: string;
  /**
   * CustomResourceDefinitions to install before the controller-manager starts:
   * its garbage collector discovers new kinds only every 30 s.
   */
  crds?: object[];
  /** Number of Ready nodes the local kubelet registers; default 3. */
  nodes?: number;
  /**
   * How the local nodes run pods. `real`: every container a process in its own pod sandbox
   * (Linux and root; where the sandbox is unavailable the nodes fall back to simulated pods and
   * say so). `simulated`: pods are reported Running and Ready, nothing runs (operator tests and
   * benchmarks, whose hundreds of pods could not run as JVMs here).
   */
  pods: PodModeChoice;
  /** For real pods: the images the nodes can run; default the project's (atomix/atomix:3.1.N, atomix-bench). */
  images?: ImageStore;
  /** For real pods: the pod CIDR; default the first free one of 10.200.0.0/16 … 10.254.0.0/16. */
  podCidr?: string;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /**
   * Cluster DNS (CoreDNS). Real pods always get it, on the pod network's host address, port 53,
   * which their resolv.conf names (only `binary` is taken from here). With simulated pods it runs
   * only when asked, at this address (tests query it on loopback).
   */
  dns?: ClusterDnsOptions;
}

interface ControlPlaneProcess {
  name: string;
  pid: number | undefined;
  logPath: string;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** CA bundle that verifies the apiserver's self-signed serving certificate. */
  caPem: string;
  /** Bearer token of user "admin" in group system:masters. */
  adminToken: string;
  /** Admin kubeconfig file (YAML) in dir. */
  kubeconfigPath: string;
  /** JSON lines, one audit event per write request (create, update, patch, delete, deletecollection). */
  auditLogPath: string;
  dir: string;
  nodeNames: string[];
  /** What the nodes do with pods: `real`, or `simulated` (asked for, or the fallback; see podModeReason). */
  podMode: 'real' | 'simulated';
  podModeReason?: string;
  /** Cluster DNS (CoreDNS): the nameserver of every pod's resolv.conf; undefined without it. */
  dns: ClusterDnsEndpoint | undefined;
  /** Real pods: where they reach the API server (KUBERNETES_SERVICE_HOST/PORT), see apiserver-proxy.ts. */
  apiServerForPods: Endpoint | undefined;
  processes: ControlPlaneProcess[];
  kubeConfig(): KubeConfig;
  kubeConfigForToken(token: string): KubeConfig;
  /** Creates the ServiceAccount if needed and authenticates as it with a TokenRequest token. */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** Stops everything and waits for every process to exit; removes dir if it was created here, unless keepDir. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

const timeouts = { etcd: 30_000, apiserver: 120_000, component: 90_000, crd: 60_000 };

const controllers = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'statefulset-controller',
  'deployment-controller',
  'replicaset-controller',
  'job-controller',
  'disruption-controller',
  // Cluster DNS answers from EndpointSlices: a Service's pods, their hostnames and readiness.
  'endpointslice-controller',
  'persistentvolume-binder-controller',
  'persistentvolumeclaim-protection-controller',
  'persistentvolume-protection-controller',
  'clusterrole-aggregation-controller',
  'pod-garbage-collector-controller',
  // ResourceQuota admission needs the quota's status (hard and used), which this controller keeps.
  'resourcequota-controller',
  // kube-root-ca.crt in every namespace: the CA of the ServiceAccount volume that admission injects
  // (the manager's own kubeconfig CA, the API server's, as no --root-ca-file is given).
  'root-ca-certificate-publisher-controller',
];

const controllerManagerArgs = [
  '--leader-elect=false',
  // The controllers act as the manager's own (system:masters) user rather than per-controller ServiceAccounts.
  '--use-service-account-credentials=false',
  `--controllers=${controllers.join(',')}`,
  '--kube-api-qps=100',
  '--kube-api-burst=200',
];

type Identities = Record<'admin' | 'controllerManager' | 'scheduler' | 'nodeAgent' | 'coreDns', TokenUser>;

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the
 * local kubelet on loopback, and resolves once all of them are ready. If startup
 * fails, whatever was started is stopped again and dir is kept for its logs.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const binDir = options.binDir ?? (await installControlPlane(log));
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'atomix-control-plane-'));
  mkdirSync(dir, { recursive: true });
  const group = new ProcessGroup();
  let kubelet: LocalKubelet | undefined;
  let closePods: (() => Promise<void>) | undefined;
  let apiServerProxy: ApiServerProxy | undefined;
  const stopAll = async () => {
    await kubelet?.stop();
    await apiServerProxy?.close();
    await closePods?.();
    await group.stopAll();
  };

  try {
    const startedAt = Date.now();
    const since = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
    const identities: Identities = {
      admin: tokenUser('admin', ['system:masters']),
      controllerManager: tokenUser('system:kube-controller-manager', ['system:masters']),
      scheduler: tokenUser('system:kube-scheduler', []),
      nodeAgent: tokenUser('local:node-agent', ['system:masters']),
      coreDns: tokenUser(CORE_DNS_USER, []),
    };

    const etcd = await startEtcd(group, binDir, dir);
    await waitUntil(async () => (await httpGetStatus(`${etcd.url}/health`)) === 200, {
      what: 'etcd /health',
      timeoutMs: timeouts.etcd,
      processes: [etcd.process],
    });
    log(`etcd ready after ${since()}`);

    // The pod network first: its host address, where pods reach the API server, goes into the serving certificate.
    const pods = await startPodMode(options.pods, { dir, images: options.images, podCidr: options.podCidr, log });
    closePods = pods.close;
    const podHostAddress = pods.mode.mode === 'real' ? pods.mode.sandboxes.hostAddress : undefined;

    const pki = kubeletPki(join(dir, 'kubelet-pki'));
    const apiserver = await startApiserver(group, binDir, { dir, etcdUrl: etcd.url, identities, pki, advertiseAddress: podHostAddress ?? '127.0.0.1' });
    const caPem = await waitForApiserver(apiserver.process, apiserver.server, apiserver.caPath, identities.admin.token);
    log(`kube-apiserver ready at ${apiserver.server} after ${since()}`);
    if (podHostAddress) {
      apiServerProxy = await startApiServerProxy({ host: podHostAddress, port: KUBERNETES_SERVICE_PORT }, { host: '127.0.0.1', port: apiserver.port });
      log(`pods reach the API server at ${podHostAddress}:${KUBERNETES_SERVICE_PORT}`);
    }
    const cluster = { server: apiserver.server, caPem };
    const admin = () => kubeConfigForToken(cluster, identities.admin.token, 'admin');
    const kubeconfigPath = writeKubeconfig(dir, 'admin', admin());

    await installCrds(admin(), options.crds ?? []);
    if (options.crds?.length) log(`${options.crds.length} CRD(s) established after ${since()}`);

    const components = [
      await startController(group, binDir, dir, 'kube-controller-manager', kubeConfigForToken(cluster, identities.controllerManager.token), controllerManagerArgs),
      await startController(group, binDir, dir, 'kube-scheduler', kubeConfigForToken(cluster, identities.scheduler.token), [
        `--config=${writeSchedulerConfig(dir)}`,
      ]),
    ];
    for (const component of components) {
      await waitUntil(async () => (await httpGetStatus(component.healthz)) === 200, {
        what: `${component.process.name} /healthz`,
        timeoutMs: timeouts.component,
        processes: [...group.processes],
      });
    }
    await waitForDefaultServiceAccount(admin());
    log(`kube-controller-manager and kube-scheduler ready after ${since()}`);

    // Real pods' resolv.conf names the pod network's host address, port 53.
    const dnsOptions = pods.mode.mode === 'real' ? { ...options.dns, address: pods.mode.sandboxes.hostAddress, port: 53 } : options.dns;
    const dns = dnsOptions
      ? (await startClusterDns(group, { dir, admin: admin(), kubeConfig: kubeConfigForToken(cluster, identities.coreDns.token, 'coredns'), log }, dnsOptions)).endpoint
      : undefined;
    if (dns) log(`cluster DNS (CoreDNS) ready at ${dns.address}:${dns.port} after ${since()}`);
    kubelet = await LocalKubelet.start({
      client: new KubeClient(kubeConfigForToken(cluster, identities.nodeAgent.token, 'node-agent')),
      nodeCount: options.nodes ?? 3,
      dir,
      pods: pods.mode,
      tls: { caPem: pki.caPem, certPem: pki.servingCertPem, keyPem: pki.servingKeyPem },
      apiServer: apiServerProxy?.endpoint,
      log,
    });
    const nodeNames = kubelet.nodeNames;
    log(`control plane ready with ${nodeNames.length} node(s) running ${pods.mode.mode} pods after ${since()}; dir ${dir}`);

    let stopped: Promise<void> | undefined;
    return {
      server: cluster.server,
      caPem,
      adminToken: identities.admin.token,
      kubeconfigPath,
      auditLogPath: apiserver.auditLogPath,
      dir,
      nodeNames,
      podMode: pods.mode.mode,
      ...(pods.mode.mode === 'simulated' ? { podModeReason: pods.mode.reason } : {}),
      dns,
      apiServerForPods: apiServerProxy?.endpoint,
      processes: group.processes.map(({ name, pid, logPath }) => ({ name, pid, logPath })),
      kubeConfig: admin,
      kubeConfigForToken: (token) => kubeConfigForToken(cluster, token),
      serviceAccountKubeConfig: (namespace, name) => serviceAccountKubeConfig(admin(), namespace, name),
      stop(stopOptions = {}) {
        stopped ??= stopAll().then(() => {
          if (ownsDir && !stopOptions.keepDir) rmSync(dir, { recursive: true, force: true });
        });
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`control plane failed to start (logs in ${dir}): ${message}`, { cause: error });
  }
}

/** Runs the cached build script and returns the bin directory it prints. */
export function installControlPlane(log: (line: string) => void): Promise<string> {
  return install(scriptPath('install-control-plane.sh'), [], log);
}

async function startEtcd(group: ProcessGroup, binDir: string, dir: string) {
  const [clientPort, peerPort] = [await findFreePort(), await findFreePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const process = group.start({
    name: 'etcd',
    command: join(binDir, 'etcd'),
    args: [
      '--name=local',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=local=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logPath: join(dir, 'etcd.log'),
  });
  return { process, url };
}

interface ApiserverSetup {
  dir: string;
  etcdUrl: string;
  identities: Identities;
  pki: KubeletPki;
  /** The address the API server advertises; its self-signed serving certificate names it too. */
  advertiseAddress: string;
}

async function startApiserver(group: ProcessGroup, binDir: string, { dir, etcdUrl, identities, pki, advertiseAddress }: ApiserverSetup) {
  const port = await findFreePort();
  const server = `https://127.0.0.1:${port}`;
  const certDir = join(dir, 'kube-apiserver');
  mkdirSync(certDir, { recursive: true });
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const signingKey = serviceAccountSigningKey();
  const auditLogPath = join(dir, 'audit.log');
  const process = group.start({
    name: 'kube-apiserver',
    command: join(binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--advertise-address=${advertiseAddress}`,
      `--secure-port=${port}`,
      // Without serving certificate flags, the apiserver self-signs one (and its CA) into this directory.
      `--cert-dir=${certDir}`,
      `--token-auth-file=${file('tokens.csv', tokenAuthFile(Object.values(identities)))}`,
      // Client certificates signed by this CA authenticate too (issueClientCertificate in credentials.ts).
      `--client-ca-file=${clientCertificateAuthority(dir).certPath}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${file('service-account.pub', signingKey.publicKeyPem)}`,
      `--service-account-signing-key-file=${file('service-account.key', signingKey.privateKeyPem)}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // The `kubernetes` Endpoints would name the advertised address and the secure port, where
      // nothing listens for pods (they use apiServerForPods): there is no kube-proxy to follow them.
      '--endpoint-reconciler-type=none',
      `--audit-policy-file=${file('audit-policy.yaml', writeRequestsAuditPolicy)}`,
      `--audit-log-path=${auditLogPath}`,
      // Large enough that the log never rotates away events a test wants to count.
      '--audit-log-maxsize=4096',
      '--profiling=false',
      // kubectl logs: the apiserver calls the local kubelets' ports as this client, and checks their serving certificate.
      `--kubelet-client-certificate=${pki.clientCertPath}`,
      `--kubelet-client-key=${pki.clientKeyPath}`,
      `--kubelet-certificate-authority=${pki.caPath}`,
      '--kubelet-preferred-address-types=InternalIP',
    ],
    logPath: join(dir, 'kube-apiserver.log'),
  });
  return { process, server, port, caPath: join(certDir, 'apiserver.crt'), auditLogPath };
}

/** Waits until the apiserver serves, has finished its bootstrap, and returns its CA. */
async function waitForApiserver(process: ManagedProcess, server: string, caPath: string, adminToken: string): Promise<string> {
  const wait = { timeoutMs: timeouts.apiserver, processes: [process] };
  const caPem = await waitUntil(
    async () => {
      // The apiserver writes its self-signed certificate and CA bundle before it serves.
      const bundle = existsSync(caPath) ? readFileSync(caPath, 'utf8') : '';
      return bundle !== '' && (await httpGetStatus(`${server}/readyz`, bundle)) === 200 && bundle;
    },
    { ...wait, what: 'kube-apiserver /readyz' },
  );
  const admin = kubeConfigForToken({ server, caPem }, adminToken);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await waitUntil(
    async () => {
      await core.readNamespace({ name: 'default' });
      await rbac.readClusterRole({ name: 'cluster-admin' });
      await rbac.readClusterRoleBinding({ name: 'system:kube-scheduler' });
      return true;
    },
    { ...wait, what: 'the default namespace and the RBAC bootstrap roles' },
  );
  return caPem;
}

/**
 * The ServiceAccount admission plugin refuses pods whose ServiceAccount does not exist (yet):
 * the controller-manager creates `default` in every namespace, here waited for in `default`.
 */
async function waitForDefaultServiceAccount(admin: KubeConfig): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  // A read that fails counts as "not yet".
  await waitUntil(async () => Boolean(await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' })), {
    what: 'ServiceAccount default/default',
    timeoutMs: timeouts.component,
  });
}

async function installCrds(admin: KubeConfig, crds: object[]): Promise<void> {
  const api = admin.makeApiClient(ApiextensionsV1Api);
  // Sent as raw JSON: client-node's typed models would drop `default` and the
  // `x-kubernetes-*` extensions of the schema (their property names differ).
  const client = new KubeClient(admin);
  try {
    for (const crd of crds) {
      await client
        .request({ method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd })
        .catch((error: unknown) => {
          if (statusCodeOf(error) !== 409) throw error;
        });
    }
  } finally {
    client.close();
  }
  for (const crd of crds as V1CustomResourceDefinition[]) {
    const name = crd.metadata?.name ?? '';
    await waitUntil(
      async () => {
        const current = await api.readCustomResourceDefinition({ name });
        return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      },
      { what: `CRD ${name} to be established`, timeoutMs: timeouts.crd },
    );
  }
}

/** Starts kube-controller-manager or kube-scheduler, which share their serving and client flags. */
async function startController(
  group: ProcessGroup,
  binDir: string,
  dir: string,
  name: 'kube-controller-manager' | 'kube-scheduler',
  kubeConfig: KubeConfig,
  extraArgs: string[],
) {
  const port = await findFreePort();
  const kubeconfigPath = writeKubeconfig(dir, name, kubeConfig);
  const process = group.start({
    name,
    command: join(binDir, name),
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      // Nothing calls these ports with a client certificate: no need to look up the apiserver's client CA.
      '--authentication-skip-lookup=true',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, name)}`,
      ...extraArgs,
    ],
    logPath: join(dir, `${name}.log`),
  });
  return { process, healthz: `https://127.0.0.1:${port}/healthz` };
}

/**
 * The scheduler skips its volume plugins: every node is this machine, so there is
 * no topology to choose, and they would hold every pod back until its claim is bound.
 * Claims are bound by the local provisioner and the PV binder; the kubelet starts a
 * pod's containers once its claims are bound.
 * With --config, the scheduler takes its kubeconfig and leader election from here.
 */
function writeSchedulerConfig(dir: string): string {
  const path = join(dir, 'kube-scheduler.yaml');
  const config = {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig: join(dir, 'kube-scheduler.kubeconfig'), qps: 200, burst: 400 },
    leaderElection: { leaderElect: false },
    profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { disabled: [{ name: 'VolumeBinding' }, { name: 'NodeVolumeLimits' }, { name: 'VolumeZone' }] } } }],
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

function writeKubeconfig(dir: string, name: string, kubeConfig: KubeConfig): string {
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml(kubeConfig), { mode: 0o600 });
  return path;
}
