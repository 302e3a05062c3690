// What a pod sandbox costs: the time to create the pod network, a pod, a container, an exec,
// and to take them down again, and the memory of the processes that hold a pod's and a
// container's namespaces (the container's own program not counted). Prints figures, asserts nothing.
//   npm run bench:sandbox -- [--pods 10]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandboxRuntime } from '../src/local/sandbox/runtime.js';
import type { ContainerProcess, Sandbox } from '../src/local/sandbox/types.js';
import { descendantsOf, newProcesses, testPodNetwork } from '../test/support/sandbox.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: process.env.BENCH_PODS ?? '10' } } });
const podCount = Number(values.pods);
const work = mkdtempSync(join(tmpdir(), 'bench-sandbox-'));

async function timed<T>(samples: number[], action: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  const result = await action();
  samples.push(performance.now() - startedAt);
  return result;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0).toFixed(0);
  return `p50 ${at(0.5)} ms, max ${at(1)} ms (${String(samples.length)} samples)`;
}

/** Proportional set size in MiB: shared pages (the sleep, nsenter binaries) split among their users. */
function pssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${String(pid)}/smaps_rollup`, 'utf8'));
    kib += Number(match?.[1] ?? 0);
  }
  return kib / 1024;
}

const times = { runtime: [] as number[], create: [] as number[], start: [] as number[], exec: [] as number[], stop: [] as number[], destroy: [] as number[], close: [] as number[] };
const runtime = await timed(times.runtime, () => startSandboxRuntime(testPodNetwork(join(work, 'state'))));
try {
  const before = descendantsOf(process.pid);
  const pods: { sandbox: Sandbox; container: ContainerProcess }[] = [];
  for (let n = 0; n < podCount; n++) {
    const sandbox = await timed(times.create, () =>
      runtime.createSandbox({ podUid: `bench-${String(n)}`, hostname: `bench-${String(n)}`, namespace: 'bench', clusterDomain: 'cluster.local', resolvConf: '' }),
    );
    const container = await timed(times.start, () =>
      sandbox.start({ name: 'main', argv: ['sleep', '600'], env: {}, workingDir: '/', mounts: [], logPath: join(work, `bench-${String(n)}.log`) }),
    );
    await timed(times.exec, () => sandbox.exec('main', ['true'], { timeoutMs: 30_000 }));
    pods.push({ sandbox, container });
  }
  const mainPids = new Set(pods.map(({ container }) => container.pid));
  const helpers = newProcesses(before, descendantsOf(process.pid))
    .map(({ pid }) => pid)
    .filter((pid) => !mainPids.has(pid));
  const helperPss = pssMiB(helpers);
  for (const { sandbox, container } of pods) {
    await timed(times.stop, async () => {
      container.signal('SIGTERM');
      await container.exited;
    });
    await timed(times.destroy, () => sandbox.destroy());
  }
  console.log(`pod network (bridge) start: ${summary(times.runtime)}`);
  console.log(`pod sandbox create (namespaces, veth, hostname): ${summary(times.create)}`);
  console.log(`container start (root, mounts, pid namespace, process): ${summary(times.start)}`);
  console.log(`exec of true: ${summary(times.exec)}`);
  console.log(`container stop (SIGTERM to exited, root removed): ${summary(times.stop)}`);
  console.log(`pod sandbox destroy: ${summary(times.destroy)}`);
  console.log(`helper processes per pod with one container: ${(helpers.length / podCount).toFixed(1)}, PSS ${(helperPss / podCount).toFixed(2)} MiB`);
} finally {
  await timed(times.close, () => runtime.close());
  console.log(`pod network close: ${summary(times.close)}`);
  rmSync(work, { recursive: true, force: true });
}
