// The pod network: one Linux bridge in the host namespace holding the first address of the
// pod CIDR, and per pod a veth pair whose inner end is eth0 of the pod's network namespace.
// Pods get no default route: they reach each other and the host's bridge address (cluster
// DNS) on the link, and nothing else, so no pod traffic can leave this machine.
import { run, type SandboxTools } from './processes.js';

export interface Ipv4Cidr {
  /** The network address as a 32-bit unsigned number. */
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((octet) => octet > 255)) throw new Error(`pod CIDR "${cidr}" is not an IPv4 CIDR such as 10.244.0.0/16`);
  if (prefix < 8 || prefix > 29) throw new Error(`pod CIDR "${cidr}": the prefix length must be between 8 and 29`);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const network = address - (address % 2 ** (32 - prefix));
  if (network !== address) throw new Error(`pod CIDR "${cidr}" has host bits set: use ${formatIpv4(network)}/${prefix}`);
  return { network, prefix };
}

function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

function parseIpv4(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const block = 2 ** (32 - prefix);
  return Math.floor(a.network / block) === Math.floor(b.network / block);
}

/** Pod IPs of one CIDR: the first host address is the bridge's, the others go to pods. */
export class PodAddressPool {
  readonly hostAddress: string;
  private readonly first: number;
  private readonly last: number;
  private readonly inUse = new Set<number>();
  /** Allocation goes round the range, so a freed address is not handed out again at once. */
  private next: number;

  constructor(readonly cidr: Ipv4Cidr) {
    this.hostAddress = formatIpv4(cidr.network + 1);
    this.first = cidr.network + 2;
    this.last = cidr.network + 2 ** (32 - cidr.prefix) - 2;
    this.next = this.first;
  }

  allocate(): string {
    const size = this.last - this.first + 1;
    for (let tried = 0; tried < size; tried++) {
      const candidate = this.next;
      this.next = candidate === this.last ? this.first : candidate + 1;
      if (!this.inUse.has(candidate)) {
        this.inUse.add(candidate);
        return formatIpv4(candidate);
      }
    }
    throw new Error(`pod CIDR ${formatIpv4(this.cidr.network)}/${this.cidr.prefix} has no free address left (${size} pods)`);
  }

  release(address: string): void {
    this.inUse.delete(parseIpv4(address));
  }
}

const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

export function checkBridgeName(bridge: string): void {
  if (!INTERFACE_NAME.test(bridge)) {
    throw new Error(`bridge "${bridge}" is not a valid interface name (1-15 letters, digits, '_', '.', '-')`);
  }
}

/** The host end of a pod's veth pair, named after the pod IP: unique as long as pod CIDRs do not overlap. */
export function hostVethName(podIp: string): string {
  return `vp${parseIpv4(podIp).toString(16).padStart(8, '0')}`;
}

interface IpAddrJson {
  ifname: string;
  addr_info?: { local: string; prefixlen: number }[];
}

/** Creates the bridge with the host address; refuses a CIDR that some interface already uses. */
export async function createBridge(tools: SandboxTools, bridge: string, pool: PodAddressPool): Promise<void> {
  const interfaces = JSON.parse(await run(tools.ip, ['-j', '-4', 'addr', 'show'])) as IpAddrJson[];
  for (const { ifname, addr_info: addresses = [] } of interfaces) {
    for (const { local, prefixlen } of addresses) {
      const used = { network: parseIpv4(local), prefix: prefixlen };
      if (cidrsOverlap(used, pool.cidr)) {
        throw new Error(
          `pod CIDR ${formatIpv4(pool.cidr.network)}/${pool.cidr.prefix} overlaps ${local}/${prefixlen} on ${ifname}: choose another pod CIDR`,
        );
      }
    }
  }
  const batch = [`link add ${bridge} type bridge`, `addr add ${pool.hostAddress}/${pool.cidr.prefix} dev ${bridge}`, `link set ${bridge} up`];
  await run(tools.ip, ['-batch', '-'], batch.join('\n')).catch((error: unknown) => {
    throw new Error(`cannot create the pod bridge ${bridge} (does another pod network use that name?): ${String(error)}`);
  });
}

/** Gives the pod whose namespaces `holderPid` holds its eth0 on the bridge, with `podIp`, and loopback. */
export async function connectPod(tools: SandboxTools, bridge: string, prefix: number, holderPid: number, podIp: string): Promise<void> {
  const veth = hostVethName(podIp);
  await run(tools.ip, ['-batch', '-'], [`link add ${veth} type veth peer name eth0 netns ${holderPid}`, `link set ${veth} master ${bridge} up`].join('\n'));
  const inside = ['link set lo up', `addr add ${podIp}/${prefix} dev eth0`, 'link set eth0 up'];
  await run(tools.nsenter, ['--target', String(holderPid), '--net', '--', tools.ip, '-batch', '-'], inside.join('\n'));
}

/** Deletes an interface (a veth also takes its peer); an interface already gone is fine. */
export async function deleteInterface(tools: SandboxTools, name: string): Promise<void> {
  try {
    await run(tools.ip, ['link', 'delete', name]);
  } catch (error) {
    if (!/Cannot find device/.test(String(error))) throw error;
  }
}
