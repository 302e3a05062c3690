// One pod on a local node, as a kubelet's pod worker runs it: sandbox, volumes, containers,
// status (written only when it changed), and on deletion SIGTERM, grace, SIGKILL, cleanup
// and only then the final removal of the pod object.
import { chown, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1ConfigMap, V1Container, V1Pod, V1PodStatus, V1Secret, V1VolumeMount } from '@kubernetes/client-node';
import type { ImageRuntime, ImageStore } from '../images/types.js';
import type { Mount, Sandbox, SandboxRuntime } from '../sandbox/types.js';
import { containerArgv } from './command.js';
import { ContainerRunner, WaitingError, podName, type ContainerHost, type PreparedLaunch } from './container.js';
import { containerEnv, processEnv, type NodeResources } from './env.js';
import { isTerminal, podStatus, sameStatus, timestamp, type ContainerReport } from './pod-status.js';
import { resolvConf, type ClusterDns } from './resolv-conf.js';
import { containerUser } from './user.js';
import { PodVolumes, type VolumeSources } from './volumes.js';

/** What every pod of the kubelet shares. */
export interface PodRuntime {
  sandboxes: SandboxRuntime;
  images: ImageStore;
  dns: ClusterDns;
  node: NodeResources;
  hostIP: string;
  /** KUBERNETES_SERVICE_HOST and the other variables of the `kubernetes` Service, in every container. */
  serviceVariables: ReadonlyMap<string, string>;
  /** Per-pod volumes and state live under `pods`, CRI logs under `logs` (the kubelet's /var/log/pods). */
  dirs: { pods: string; logs: string };
  volumeSources: VolumeSources;
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Writes the whole status if the pod is still at the resource version it was read at. */
  writeStatus(pod: V1Pod, status: V1PodStatus): Promise<boolean>;
  /** Removes the pod object for good (uid precondition). */
  finalize(pod: V1Pod): Promise<void>;
  log(line: string): void;
}

/** Where a container's CRI log files are, for the log server. */
export interface ContainerLogs {
  /** The file of the current (or last) instance, and of the one before it. */
  current: string | undefined;
  previous: string | undefined;
  running: boolean;
}

const SANDBOX_RETRY_MS = 5000;
/** The longest a timer may wait (setTimeout's limit is about 24.8 days). */
const MAX_TIMER_MS = 24 * 3600_000;
/** How long the kubelet's own shutdown waits for a container (not a pod deletion, which honours its grace). */
const SHUTDOWN_GRACE_MS = 5000;

export class PodWorker {
  private latest: V1Pod;
  private sandbox: Sandbox | undefined;
  private sandboxError: string | undefined;
  private volumeError: string | undefined;
  private volumePaths = new Map<string, string>();
  private readonly volumes: PodVolumes;
  private readonly containers: ContainerRunner[];
  private readonly startTime = timestamp();
  private lastWritten: V1PodStatus | undefined;
  private dirty = false;
  private loop: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private volumeRefreshTimer: NodeJS.Timeout | undefined;
  private terminated: Promise<void> | undefined;
  private objectGone = false;

  constructor(
    pod: V1Pod,
    private readonly runtime: PodRuntime,
    private readonly onFinished: () => void,
  ) {
    this.latest = pod;
    this.volumes = new PodVolumes(join(runtime.dirs.pods, pod.metadata?.uid ?? ''), runtime.volumeSources);
    this.containers = (pod.spec?.containers ?? []).map((container) => new ContainerRunner(container, this.containerHost()));
  }

  get uid(): string {
    return this.latest.metadata?.uid ?? '';
  }

  get namespace(): string | undefined {
    return this.latest.metadata?.namespace;
  }

  /** A newer version of the pod (or of something it uses, e.g. a ConfigMap): sync again. */
  update(pod?: V1Pod): void {
    if (pod) this.latest = pod;
    this.schedule();
  }

  /** The pod object is gone (deleted without us, e.g. with --force): stop its processes. */
  deleted(pod: V1Pod): void {
    this.latest = pod;
    this.objectGone = true;
    this.schedule();
  }

  /** Stops every container quickly and removes the sandbox, without touching the pod object (kubelet shutdown). */
  async shutdown(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.terminate(SHUTDOWN_GRACE_MS);
  }

  logs(containerName: string): ContainerLogs | undefined {
    const container = this.containers.find((candidate) => candidate.name === containerName);
    if (!container) return undefined;
    const { current, running } = container.instances;
    return {
      current: this.logPath(containerName, current),
      previous: current > 0 ? this.logPath(containerName, current - 1) : undefined,
      running,
    };
  }

  private schedule(): void {
    this.dirty = true;
    this.loop ??= this.runLoop().finally(() => (this.loop = undefined));
  }

  private async runLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await this.syncOnce();
      } catch (error) {
        this.runtime.log(`pod ${podName(this.latest)}: sync failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async syncOnce(): Promise<void> {
    const pod = this.latest;
    if (this.objectGone || pod.metadata?.deletionTimestamp) {
      const graceSeconds = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.terminate(graceSeconds * 1000);
      if (!this.objectGone) await this.runtime.finalize(pod);
      this.onFinished();
      return;
    }
    if (isTerminal(pod.status?.phase)) {
      await this.releaseSandbox();
      return;
    }
    if (!(await this.ensureSandbox(pod))) {
      await this.writeStatus();
      return;
    }
    await this.setUpVolumes(pod);
    // Containers wait for their volumes without back-off: a ConfigMap or claim event syncs again.
    if (this.volumeError === undefined) for (const container of this.containers) container.sync();
    await this.writeStatus();
  }

  private async ensureSandbox(pod: V1Pod): Promise<boolean> {
    if (this.sandbox) return true;
    if (pod.spec?.hostNetwork) {
      this.sandboxError = 'hostNetwork pods are not supported by the local node';
      return false;
    }
    if (pod.spec?.initContainers?.length) {
      this.sandboxError = 'init containers are not supported by the local node';
      return false;
    }
    try {
      this.sandbox = await this.runtime.sandboxes.createSandbox({
        podUid: this.uid,
        hostname: (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63),
        subdomain: pod.spec?.subdomain,
        namespace: pod.metadata?.namespace ?? 'default',
        clusterDomain: this.runtime.dns.domain,
        resolvConf: resolvConf(pod, this.runtime.dns),
      });
      this.sandboxError = undefined;
      return true;
    } catch (error) {
      this.sandboxError = `cannot create the pod sandbox: ${error instanceof Error ? error.message : String(error)}`;
      this.runtime.log(`pod ${podName(pod)}: ${this.sandboxError}`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.schedule(), SANDBOX_RETRY_MS);
      return false;
    }
  }

  private async setUpVolumes(pod: V1Pod): Promise<void> {
    try {
      this.volumePaths = await this.volumes.setUp(pod, this.addresses());
      this.volumeError = undefined;
    } catch (error) {
      this.volumeError = `MountVolume.SetUp failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    clearTimeout(this.volumeRefreshTimer);
    const due = this.volumes.refreshDueAt;
    if (due === undefined || this.terminated) return;
    this.volumeRefreshTimer = setTimeout(() => this.schedule(), Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_MS));
    // Renewing tokens is no reason to keep the process alive; the kubelet's stop ends the pod.
    this.volumeRefreshTimer.unref();
  }

  private addresses(): { podIP: string; hostIP: string } {
    return { podIP: this.sandbox?.ip ?? '', hostIP: this.runtime.hostIP };
  }

  private async writeStatus(): Promise<void> {
    const pod = this.latest;
    if (pod.metadata?.deletionTimestamp || this.objectGone) return;
    const reports = this.containers.map((container) => this.withPodWaiting(container.report()));
    const status = podStatus(
      pod,
      { sandboxReady: this.sandbox !== undefined, hostIP: this.runtime.hostIP, podIP: this.sandbox?.ip, startTime: this.startTime, containers: reports },
      timestamp(),
    );
    if (sameStatus(status, pod.status) || sameStatus(status, this.lastWritten)) return;
    const written = await this.runtime.writeStatus(pod, status);
    this.lastWritten = written ? status : undefined;
    if (written && isTerminal(status.phase)) await this.releaseSandbox();
  }

  /** Containers not started yet show why the whole pod waits (sandbox, volumes). */
  private withPodWaiting(report: ContainerReport): ContainerReport {
    const blocker = this.sandboxError ?? this.volumeError;
    if (!blocker || !('waiting' in report.state) || report.state.waiting.reason !== 'ContainerCreating') return report;
    return { ...report, state: { waiting: { reason: 'ContainerCreating', message: blocker } } };
  }

  private terminate(graceMs: number): Promise<void> {
    this.terminated ??= (async () => {
      clearTimeout(this.retryTimer);
      clearTimeout(this.volumeRefreshTimer);
      await Promise.all(this.containers.map((container) => container.stop(graceMs)));
      await this.releaseSandbox();
      await this.volumes.tearDown();
      await rm(this.podLogDir(), { recursive: true, force: true });
    })();
    return this.terminated;
  }

  private async releaseSandbox(): Promise<void> {
    const sandbox = this.sandbox;
    if (!sandbox || this.containers.some((container) => container.running)) return;
    await sandbox.destroy();
  }

  private containerHost(): ContainerHost {
    return {
      pod: () => this.latest,
      sandbox: () => {
        if (!this.sandbox) throw new Error('the pod has no sandbox');
        return this.sandbox;
      },
      podIP: () => this.sandbox?.ip ?? '',
      prepare: (container, restartCount) => this.prepare(container, restartCount),
      changed: () => this.schedule(),
      log: (line) => this.runtime.log(line),
    };
  }

  private async prepare(container: V1Container, restartCount: number): Promise<PreparedLaunch> {
    const pod = this.latest;
    const namespace = pod.metadata?.namespace ?? '';
    if (!this.sandbox) throw new WaitingError('ContainerCreating', this.sandboxError ?? 'waiting for the pod sandbox');
    const resolution = await this.runtime.images.resolve(container.image ?? '');
    if (!resolution.ok) throw new WaitingError(resolution.reason, resolution.message, true);
    const image = resolution.runtime;
    const secrets = await this.referencedSecrets(namespace, container);
    const env = containerEnv(pod, container, this.addresses(), {
      services: this.runtime.serviceVariables,
      configMap: (name) => this.runtime.configMap(namespace, name)?.data,
      secret: (name) => secrets.get(name),
    }, this.runtime.node);
    if (!env.ok) throw new WaitingError(env.reason, env.message);
    const argv = containerArgv(container, image, env.env);
    if (!argv.ok) throw new WaitingError('CreateContainerError', argv.message);
    const logPath = this.logPath(container.name, restartCount);
    await this.pruneLogs(container.name, restartCount);
    const volumeMounts = this.volumeMounts(container.volumeMounts ?? []);
    const layer = await this.containerLayer(container.name, restartCount, image, volumeMounts);
    return {
      imageID: image.imageID,
      launch: {
        name: container.name,
        argv: argv.argv,
        env: processEnv(image.env, env.env),
        workingDir: container.workingDir || image.workingDir || '/',
        mounts: [...image.mounts, ...layer, ...volumeMounts],
        user: containerUser(pod, container, image.user),
        logPath,
      },
    };
  }

  /** Secrets named by env and envFrom, read once per start (the kubelet does not watch them for env either). */
  private async referencedSecrets(namespace: string, container: V1Container): Promise<Map<string, Record<string, string>>> {
    const names = new Set<string>();
    for (const from of container.envFrom ?? []) if (from.secretRef?.name) names.add(from.secretRef.name);
    for (const variable of container.env ?? []) if (variable.valueFrom?.secretKeyRef?.name) names.add(variable.valueFrom.secretKeyRef.name);
    const secrets = new Map<string, Record<string, string>>();
    for (const name of names) {
      const secret = await this.runtime.secret(namespace, name);
      if (secret) secrets.set(name, Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()])));
    }
    return secrets;
  }

  /**
   * The writable part of the image's container layer: a fresh directory for each of the image's
   * writableDirs, owned by the image's user, for every container start; not where a volume is mounted.
   */
  private async containerLayer(containerName: string, restartCount: number, image: ImageRuntime, volumeMounts: Mount[]): Promise<Mount[]> {
    const containersDir = join(this.runtime.dirs.pods, this.uid, 'containers', containerName);
    await rm(containersDir, { recursive: true, force: true });
    const covered = (dir: string) => volumeMounts.some((mount) => dir === mount.containerPath || dir.startsWith(`${mount.containerPath.replace(/\/$/, '')}/`));
    const mounts: Mount[] = [];
    for (const [index, containerPath] of image.writableDirs.filter((dir) => !covered(dir)).entries()) {
      const hostPath = join(containersDir, String(restartCount), String(index));
      await mkdir(hostPath, { recursive: true });
      await chown(hostPath, image.user?.uid ?? 0, image.user?.gid ?? 0);
      mounts.push({ hostPath, containerPath, readOnly: false });
    }
    return mounts;
  }

  /** Volume mounts, parents before children, as container runtimes order them. */
  private volumeMounts(mounts: V1VolumeMount[]): Mount[] {
    return mounts
      .map((mount) => {
        const base = this.volumePaths.get(mount.name);
        if (base === undefined) throw new WaitingError('CreateContainerConfigError', `volume mount "${mount.name}" names no volume of the pod`);
        return { hostPath: mount.subPath ? join(base, mount.subPath) : base, containerPath: mount.mountPath, readOnly: mount.readOnly ?? false };
      })
      .sort((a, b) => a.containerPath.split('/').length - b.containerPath.split('/').length);
  }

  private podLogDir(): string {
    const { namespace, name } = this.latest.metadata ?? {};
    return join(this.runtime.dirs.logs, `${namespace ?? ''}_${name ?? ''}_${this.uid}`);
  }

  private logPath(containerName: string, restartCount: number): string {
    return join(this.podLogDir(), containerName, `${restartCount}.log`);
  }

  /** Keeps the log of the previous instance (for --previous) and drops older ones, as the kubelet does. */
  private async pruneLogs(containerName: string, restartCount: number): Promise<void> {
    const dir = join(this.podLogDir(), containerName);
    await mkdir(dir, { recursive: true });
    for (const file of await readdir(dir)) {
      const instance = Number.parseInt(file, 10);
      if (Number.isInteger(instance) && instance < restartCount - 1) await rm(join(dir, file), { force: true });
    }
  }
}
