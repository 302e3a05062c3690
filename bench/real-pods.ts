// What running Atomix through the operator on real pods costs, for the README example
// (deploy/crds/atomixcluster_cr.yaml): apply -> Ready through the operator and the local node,
// against the same JVMs (same images, same rendered args and config) started directly in pod
// sandboxes, together, with a bootstrap list of their IPs instead of DNS discovery; per-pod start
// -> ready; RSS of every JVM and of the process that hosts the node agent. Prints figures, asserts nothing.
//   npm run bench:real-pods
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { isKind, renderCluster } from '../src/render/index.js';
import { LocalImageStore } from '../src/local/images/local-image-store.js';
import type { ImageRuntime } from '../src/local/images/types.js';
import { startSandboxRuntime } from '../src/local/sandbox/runtime.js';
import type { ContainerProcess, Sandbox } from '../src/local/sandbox/types.js';
import { httpGetStatus, sleep } from '../src/local/readiness.js';
import type { AtomixCluster } from '../src/api/schema.js';
import { exampleCluster } from '../test/support/manifests.js';
import { rssMiB } from '../test/support/processes.js';
import { descendantsOf, testPodNetwork } from '../test/support/sandbox.js';
import { startRealCluster } from '../test/atomix/real-cluster.js';
import { machineLine, percentile, printTable, runBenchmark, say, seconds, type Row } from './support.js';

const AGENT_PORT = 5678;
const NODE_PORT = 5679;
const POLL_MS = 250;
const TIMEOUT_MS = 15 * 60_000;

interface Formation {
  /** From the first start (apply, or starting the processes) until every node is ready. */
  readyMs: number;
  /** Per pod: its container started -> ready (ms). */
  startToReadyMs: number[];
  jvmRssMiB: number[];
}

interface PlannedPod {
  name: string;
  statefulSet: V1StatefulSet;
}

function plannedPods(spec: AtomixCluster): { pods: PlannedPod[]; configs: Map<string, string> } {
  const objects = renderCluster(spec);
  const configs = new Map(objects.filter(isKind('ConfigMap')).map((map) => [map.metadata.name, map.data?.['atomix.conf'] ?? '']));
  const pods = objects
    .filter(isKind('StatefulSet'))
    .flatMap((set) => Array.from({ length: set.spec?.replicas ?? 1 }, (_, ordinal) => ({ name: `${set.metadata.name}-${String(ordinal)}`, statefulSet: set })));
  return { pods, configs };
}

/** The JVM of a container: its main process when the entrypoint execs java, else its java descendant. */
function javaPidOf(container: ContainerProcess): number | undefined {
  const isJava = (pid: number) => {
    try {
      return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim() === 'java';
    } catch {
      return false;
    }
  };
  if (isJava(container.pid)) return container.pid;
  return descendantsOf(container.pid).find(({ pid }) => isJava(pid))?.pid;
}

/** Starts every pod of the rendered cluster directly in a sandbox, all at once, and waits until each answers /v1/status. */
async function formDirectly(spec: AtomixCluster, images: LocalImageStore): Promise<Formation> {
  const work = mkdtempSync(join(tmpdir(), 'bench-real-pods-'));
  const runtime = await startSandboxRuntime(testPodNetwork(join(work, 'state')));
  try {
    const { pods, configs } = plannedPods(spec);
    const sandboxes = new Map<string, Sandbox>();
    for (const pod of pods) {
      sandboxes.set(pod.name, await runtime.createSandbox({ podUid: pod.name, hostname: pod.name, namespace: 'default', clusterDomain: 'cluster.local', resolvConf: '' }));
    }
    const bootstrap = pods.map((pod) => ({ id: pod.name, address: `${sandboxes.get(pod.name)?.ip ?? ''}:${String(NODE_PORT)}` }));
    const launches = [];
    for (const pod of pods) {
      const sandbox = sandboxes.get(pod.name) as Sandbox;
      const container = pod.statefulSet.spec?.template.spec?.containers[0];
      if (!container?.image) throw new Error(`${pod.name}: no container`);
      const resolved = await images.resolve(container.image);
      if (!resolved.ok) throw new Error(`${pod.name}: ${resolved.message}`);
      const configMap = pod.statefulSet.spec?.template.spec?.volumes?.find((volume) => volume.configMap)?.configMap?.name ?? '';
      const config = JSON.parse(configs.get(configMap) ?? '{}') as { cluster: { discovery: unknown } };
      config.cluster.discovery = { type: 'bootstrap', nodes: bootstrap };
      launches.push({ pod, sandbox, image: resolved.runtime, ...podFiles(work, pod.name, JSON.stringify(config)), args: container.args ?? [], env: container.env ?? [] });
    }
    const startedAt = performance.now();
    const started = await Promise.all(
      launches.map(async (launch) => {
        const address = `${launch.sandbox.ip}:${String(NODE_PORT)}`;
        const variables: Record<string, string> = { POD_NAME: launch.pod.name, POD_NAMESPACE: 'default', NODE_NAME: 'local-node-1' };
        const args = launch.args.map((arg, index) => (launch.args[index - 1] === '--address' ? address : arg.replace(/\$\((\w+)\)/g, (_, name: string) => variables[name] ?? '')));
        const env = { ...launch.image.env, ...variables, ...Object.fromEntries(launch.env.flatMap((entry) => (entry.value === undefined ? [] : [[entry.name, entry.value]]))) };
        const container = await launch.sandbox.start({
          name: 'atomix',
          argv: [...launch.image.entrypoint, ...args],
          env,
          workingDir: launch.image.workingDir,
          mounts: [...launch.image.mounts, ...writableDirMounts(work, launch.pod.name, launch.image), ...launch.mounts],
          user: launch.image.user ? { ...launch.image.user, supplementalGroups: [] } : undefined,
          logPath: join(work, `${launch.pod.name}.log`),
        });
        return { ip: launch.sandbox.ip, container, startedMs: performance.now() - startedAt };
      }),
    );
    const readyMs = await Promise.all(started.map(({ ip }) => waitForStatus(ip, startedAt)));
    return {
      readyMs: Math.max(...readyMs),
      startToReadyMs: started.map((pod, index) => (readyMs[index] ?? 0) - pod.startedMs),
      jvmRssMiB: started.map(({ container }) => rssOf(javaPidOf(container))),
    };
  } finally {
    await runtime.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function podFiles(work: string, pod: string, config: string): { mounts: { hostPath: string; containerPath: string; readOnly: boolean }[] } {
  const configDir = join(work, pod, 'config');
  const dataDir = join(work, pod, 'data');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(configDir, 'atomix.conf'), config);
  return {
    mounts: [
      { hostPath: configDir, containerPath: '/etc/atomix', readOnly: true },
      { hostPath: dataDir, containerPath: '/var/lib/atomix', readOnly: false },
    ],
  };
}

/** A fresh writable directory at each place the image writes to, as the kubelet mounts them. */
function writableDirMounts(work: string, pod: string, image: ImageRuntime): { hostPath: string; containerPath: string; readOnly: boolean }[] {
  return image.writableDirs.map((containerPath, index) => {
    const hostPath = join(work, pod, `writable-${String(index)}`);
    mkdirSync(hostPath, { recursive: true });
    return { hostPath, containerPath, readOnly: false };
  });
}

async function waitForStatus(ip: string, startedAt: number): Promise<number> {
  while (performance.now() - startedAt < TIMEOUT_MS) {
    if ((await httpGetStatus(`http://${ip}:${String(AGENT_PORT)}/v1/status`).catch(() => 0)) === 200) return performance.now() - startedAt;
    await sleep(POLL_MS);
  }
  throw new Error(`${ip} did not answer /v1/status within ${seconds(TIMEOUT_MS)}`);
}

function rssOf(pid: number | undefined): number {
  return pid === undefined ? NaN : rssMiB(pid);
}

/** Applies the example through the operator and watches its pods until the cluster is Ready. */
async function formThroughOperator(spec: AtomixCluster): Promise<Formation & { hostRssMiB: number }> {
  const real = await startRealCluster({ log: (line) => say(`  ${line}`) });
  const { cluster } = real;
  try {
    const startedAt = performance.now();
    await cluster.apply(spec);
    const running = new Map<string, number>();
    const ready = new Map<string, number>();
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (performance.now() - startedAt > TIMEOUT_MS) throw new Error(`not Ready within ${seconds(TIMEOUT_MS)}:\n${await cluster.summary()}`);
      const now = performance.now() - startedAt;
      for (const pod of await cluster.pods()) {
        const name = pod.metadata?.name ?? '';
        const status = pod.status?.containerStatuses?.[0];
        if (status?.state?.running && !running.has(name)) running.set(name, now);
        if (status?.ready && !ready.has(name)) ready.set(name, now);
      }
      const current = await cluster.cluster(spec.metadata.name);
      if (current.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyMs = performance.now() - startedAt;
      else await sleep(POLL_MS);
    }
    const names = [...ready.keys()];
    return {
      readyMs,
      startToReadyMs: names.map((name) => (ready.get(name) ?? 0) - (running.get(name) ?? 0)),
      jvmRssMiB: names.map((name) => rssOf(cluster.jvmPid(name))),
      hostRssMiB: rssMiB(process.pid),
    };
  } finally {
    await real.stop();
  }
}

const spread = (values: number[]) => `p50 ${seconds(percentile(values, 50))}, max ${seconds(Math.max(...values))} (${String(values.length)} pods)`;
const mibSpread = (values: number[]) => `${values.map((value) => value.toFixed(0)).join(', ')} MiB`;

await runBenchmark(async () => {
  const spec = exampleCluster();
  const images = new LocalImageStore({ log: (line) => say(`  ${line}`) });
  say(`README example: Atomix ${spec.spec.version}; starting its JVMs directly in sandboxes ...`);
  const direct = await formDirectly(spec, images);
  say(`formed directly in ${seconds(direct.readyMs)}; now through the operator ...`);
  const operator = await formThroughOperator(spec);
  say(`Ready through the operator in ${seconds(operator.readyMs)}; directly once more ...`);
  const again = await formDirectly(spec, images);
  const directMs = (direct.readyMs + again.readyMs) / 2;
  const ratio = operator.readyMs / directMs;
  const rows: Row[] = [
    { figure: 'apply -> Ready through the operator', value: seconds(operator.readyMs) },
    { figure: 'same JVMs started directly -> all ready', value: `${seconds(directMs)} (runs: ${seconds(direct.readyMs)}, ${seconds(again.readyMs)})` },
    { figure: 'ratio operator / direct', value: ratio.toFixed(2), target: '<= 1.3', met: ratio <= 1.3 },
    { figure: 'per pod container start -> ready, operator', value: spread(operator.startToReadyMs) },
    { figure: 'per pod start -> ready, direct', value: spread([...direct.startToReadyMs, ...again.startToReadyMs]) },
    { figure: 'RSS per JVM, operator pods', value: mibSpread(operator.jvmRssMiB) },
    { figure: 'RSS per JVM, direct', value: mibSpread(direct.jvmRssMiB) },
    { figure: 'RSS of the node agent process (kubelet, sandboxes, operator, bench)', value: `${operator.hostRssMiB.toFixed(0)} MiB` },
  ];
  printTable(`Real pods: the README example (${machineLine()})`, rows);
});
