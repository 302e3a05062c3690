// The contract between the local kubelet (src/local/node) and the Linux pod sandbox
// (src/local/sandbox): what a pod's namespaces, network and processes must offer.
// The kubelet decides *what* runs (spec, env expansion, volumes, probes, restarts);
// the sandbox decides *how* it runs on Linux (namespaces, veth, mounts, uid, signals).
//
// Implementation: src/local/sandbox/runtime.ts — `sandboxSupport()` says whether this machine
// can run sandboxes (and why not), `startSandboxRuntime(options)` creates the pod network.
// Create ONE runtime per machine and let every local node create its pods on it: pods of
// different nodes then share the bridge and reach each other without host routing.
// Pods have no default route: they reach other pods and `hostAddress`, nothing else.

/** The host side of the pod network: one bridge, one CIDR, pod IPs allocated from it. */
export interface PodNetworkOptions {
  /** Pod CIDR, e.g. 10.244.0.0/16; the first host address is the bridge's (and cluster DNS's). */
  cidr: string;
  /** Bridge interface name in the host network namespace (≤ 15 characters). */
  bridge: string;
  /** Directory for per-pod state (rootfs mount points, generated /etc files, the record used for cleanup). */
  stateDir: string;
}

export interface SandboxRuntime {
  /** The bridge's address: reachable from every pod and from the host (cluster DNS listens here). */
  readonly hostAddress: string;
  createSandbox(spec: SandboxSpec): Promise<Sandbox>;
  /** Destroys every sandbox, then the bridge and everything recorded in stateDir. */
  close(): Promise<void>;
}

export interface SandboxSpec {
  /** The pod's uid: unique, used to name interfaces and state. */
  podUid: string;
  /** Pod hostname and, when set, `subdomain` (as the kubelet writes /etc/hosts and /etc/hostname). */
  hostname: string;
  subdomain?: string | undefined;
  namespace: string;
  clusterDomain: string;
  /** /etc/resolv.conf of the pod (the kubelet computes it from dnsPolicy/dnsConfig). */
  resolvConf: string;
}

export interface Sandbox {
  /** The pod IP, allocated from the CIDR. */
  readonly ip: string;
  /** Starts one container process inside the pod's namespaces. */
  start(container: ContainerLaunch): Promise<ContainerProcess>;
  /** Runs a command inside a running container's namespaces and root (exec probes, `kubectl exec`). */
  exec(containerName: string, argv: string[], options: { timeoutMs: number }): Promise<ExecResult>;
  /** Kills every process left (SIGKILL), removes the veth, mounts and state; idempotent. */
  destroy(): Promise<void>;
}

/** One bind mount into the container's root: an image layer, a volume, a generated file. */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerLaunch {
  name: string;
  /** The final argv: command/args already resolved against the image and `$(VAR)`-expanded. */
  argv: string[];
  env: Record<string, string>;
  workingDir: string;
  /** Image content (e.g. /opt/atomix) first, then volumes, in the order they must be mounted. */
  mounts: Mount[];
  /** runAsUser/runAsGroup/fsGroup-derived supplemental groups; root when absent. */
  user?: { uid: number; gid: number; supplementalGroups: number[] } | undefined;
  /** stdout and stderr are appended here as CRI log lines ("<RFC3339Nano> stdout|stderr F <line>"). */
  logPath: string;
}

export interface ContainerProcess {
  /**
   * The host pid of the container's main process. It is pid 2 of the container's own pid
   * namespace (pid 1 is a sandbox init, as with `docker run --init`), so signals take their
   * default action and no SIGTERM handler is needed to be stopped.
   */
  readonly pid: number;
  /** Resolves when the container's main process has exited and nothing of it is left running. */
  readonly exited: Promise<ContainerExit>;
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export interface ContainerExit {
  /** The exit code, or 128 + signal number when killed by a signal (as container runtimes report). */
  exitCode: number;
  signal: NodeJS.Signals | null;
}

export interface ExecResult {
  /** 128 + 9 when the timeout killed the command. */
  exitCode: number;
  /** The first MiB of each stream. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
}
