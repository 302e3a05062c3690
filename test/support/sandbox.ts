// Pod networks for tests: each test process gets its own bridge names and a pod CIDR derived
// from its pid, so that several test runs and a `local` (10.200.0.0/16 and up) can run at once.
import { readdirSync, readFileSync } from 'node:fs';
import type { PodNetworkOptions } from '../../src/local/sandbox/types.js';
import { procStat, type ProcStat } from './processes.js';

/** A /24 in 10.100.0.0–10.199.255.255, below the local control plane's pod networks. */
function testSubnet(pid: number): string {
  const index = pid % (100 * 256);
  return `10.${String(100 + Math.floor(index / 256))}.${String(index % 256)}`;
}

/** Options for one of up to two runtimes (`which` 0 or 1) of this process, on disjoint halves of its /24. */
export function testPodNetwork(stateDir: string, which: 0 | 1 = 0, pid = process.pid): PodNetworkOptions {
  return { cidr: `${testSubnet(pid)}.${String(which * 128)}/25`, bridge: `sbt${String(pid)}${'ab'[which] ?? ''}`, stateDir };
}

/** A process as the kernel knows it: on a busy machine a pid is soon reused, its start time is not. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Every living process below pid (Linux /proc). */
export function descendantsOf(pid: number): ProcessIdentity[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined && stat.state !== 'Z');
  const found: ProcessIdentity[] = [];
  const visit = (parent: number) => {
    for (const stat of all) {
      if (stat.ppid === parent) {
        found.push({ pid: stat.pid, startTime: stat.startTime });
        visit(stat.pid);
      }
    }
  };
  visit(pid);
  return found;
}

/** Those of the processes that still run (not a zombie, and not another process under a reused pid). */
export function stillRunning(processes: ProcessIdentity[]): ProcessIdentity[] {
  return processes.filter((process) => {
    const stat = procStat(process.pid);
    return stat !== undefined && stat.state !== 'Z' && stat.startTime === process.startTime;
  });
}

/** The processes in `now` that are not in `before`. */
export function newProcesses(before: ProcessIdentity[], now: ProcessIdentity[]): ProcessIdentity[] {
  const known = new Set(before.map(({ pid, startTime }) => `${String(pid)}/${startTime}`));
  return now.filter(({ pid, startTime }) => !known.has(`${String(pid)}/${startTime}`));
}

/** Mount points of this (the host's) mount namespace below a path. */
export function hostMountsBelow(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${path}/`) || mountPoint === path);
}
