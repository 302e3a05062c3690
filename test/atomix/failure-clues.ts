// What a failed real-pod test prints besides pod states, so that a member that never becomes
// Ready explains itself: its log without Atomix's discovery churn, what cluster DNS answers for
// the members, and connections a JVM still holds to a peer address no pod has any more.
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterDnsEndpoint } from '../../src/local/cluster-dns.js';
import { PORTS } from '../../src/render/ports.js';

/**
 * Atomix 3.1's DnsDiscoveryProvider forgets which nodes it already knew: every other
 * resolution (15 s) it logs each node "left", the next one "joined" again, whatever DNS
 * answered. Those lines would fill any tail, so they are left out.
 */
const DISCOVERY_CHURN = /DnsDiscoveryProvider - Node (joined|left):/;

export function meaningfulTail(log: string, count: number): string[] {
  return log
    .split('\n')
    .filter((line) => line.trim() !== '' && !DISCOVERY_CHURN.test(line))
    .slice(-count);
}

/**
 * Peers of established connections in `ss -Htn` output (state, queues, local, peer) that are an Atomix messaging port on an
 * address no pod has: the member keeps sending there (Atomix closes a pooled connection on a
 * connection error, not on timeouts), so what it sends that way reaches nobody.
 */
export function connectionsToGonePeers(ssOutput: string, podIps: ReadonlySet<string>): string[] {
  return ssOutput
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([state]) => state === 'ESTAB')
    .map((fields) => fields[4] ?? '')
    .filter((peer) => {
      const match = /^\[?(?:::ffff:)?([0-9.]+)\]?:(\d+)$/.exec(peer);
      return match !== null && Number(match[2]) === PORTS.node && !podIps.has(match[1] ?? '');
    });
}

/** `ss -Htn` in the network namespace of a process. */
export async function tcpConnections(pid: number): Promise<string> {
  const { stdout } = await promisify(execFile)('nsenter', ['--target', String(pid), '--net', '--', 'ss', '-Htn']);
  return stdout;
}

/** Cluster DNS's answers for each pod's stable name (hostname.subdomain), as its peers resolve it. */
export async function dnsAnswers(dns: ClusterDnsEndpoint, pods: readonly V1Pod[]): Promise<string[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`${dns.address}:${String(dns.port)}`]);
  const answers: string[] = [];
  for (const subdomain of new Set(pods.flatMap((pod) => pod.spec?.subdomain ?? []))) {
    const service = `${subdomain}.${pods[0]?.metadata?.namespace ?? ''}.svc.${dns.clusterDomain}`;
    const targets = await resolver.resolveSrv(service).then((records) => records.map((record) => record.name.split('.')[0]).sort().join(' '), String);
    answers.push(`SRV ${service}: ${targets}`);
    for (const pod of pods.filter((candidate) => candidate.spec?.subdomain === subdomain)) {
      const name = `${pod.spec?.hostname ?? ''}.${service}`;
      answers.push(`A ${name}: ${await resolver.resolve4(name).then((addresses) => addresses.join(' '), String)}`);
    }
  }
  return answers;
}
