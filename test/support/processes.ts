import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  /** Since boot, in clock ticks: tells a process from a later one that got its pid. */
  startTime: string;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...", where comm may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/**
 * Living child processes of pid (Linux /proc), except the esbuild service that
 * tsx starts in every process that imports TypeScript.
 */
export function livingChildrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined && stat.ppid === pid && stat.state !== 'Z')
    .map((stat) => stat.pid)
    .filter((child) => commandOf(child) !== 'esbuild');
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Resident set size of a process in MiB. */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** Who a process runs as, from /proc/<pid>/status: real/effective/saved/fs ids, groups, no_new_privs, effective capabilities. */
export interface ProcessCredentials {
  uids: number[];
  gids: number[];
  groups: number[];
  noNewPrivs: boolean;
  effectiveCapabilities: bigint;
}

export function processCredentials(pid: number): ProcessCredentials {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
  const numbers = (name: string) => field(name).split(/\s+/).filter(Boolean).map(Number);
  return {
    uids: numbers('Uid'),
    gids: numbers('Gid'),
    groups: numbers('Groups'),
    noNewPrivs: field('NoNewPrivs') === '1',
    effectiveCapabilities: BigInt(`0x${field('CapEff') || '0'}`),
  };
}
