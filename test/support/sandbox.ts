// Pod networks for tests: each test process gets its own bridge names and a pod CIDR derived
// from its pid, so that several test runs and a `local` (10.200.0.0/16 and up) can run at once.
import { readdirSync, readFileSync } from 'node:fs';
import type { PodNetworkOptions } from '../../src/local/sandbox/types.js';

/** A /24 in 10.100.0.0–10.199.255.255, below the local control plane's pod networks. */
function testSubnet(pid: number): string {
  const index = pid % (100 * 256);
  return `10.${String(100 + Math.floor(index / 256))}.${String(index % 256)}`;
}

/** Options for one of up to two runtimes (`which` 0 or 1) of this process, on disjoint halves of its /24. */
export function testPodNetwork(stateDir: string, which: 0 | 1 = 0, pid = process.pid): PodNetworkOptions {
  return { cidr: `${testSubnet(pid)}.${String(which * 128)}/25`, bridge: `sbt${String(pid)}${'ab'[which] ?? ''}`, stateDir };
}

/** Every process below pid (Linux /proc). */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** Mount points of this (the host's) mount namespace below a path. */
export function hostMountsBelow(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${path}/`) || mountPoint === path);
}
