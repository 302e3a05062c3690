// A pod's /etc/resolv.conf from its dnsPolicy and dnsConfig, as the kubelet writes it.
import type { V1Pod } from '@kubernetes/client-node';

export interface ClusterDns {
  /** Address of the cluster DNS server. */
  nameserver: string;
  /** e.g. cluster.local */
  domain: string;
  /** The host's own resolv.conf, for dnsPolicy Default. */
  hostResolvConf: string;
}

export function resolvConf(pod: V1Pod, dns: ClusterDns): string {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const namespace = pod.metadata?.namespace ?? 'default';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    nameservers = [dns.nameserver];
    searches = [`${namespace}.svc.${dns.domain}`, `svc.${dns.domain}`, dns.domain];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    const host = parseResolvConf(dns.hostResolvConf);
    ({ nameservers, searches, options } = host);
  }
  const config = pod.spec?.dnsConfig;
  nameservers = unique([...nameservers, ...(config?.nameservers ?? [])]);
  searches = unique([...searches, ...(config?.searches ?? [])]);
  for (const option of config?.options ?? []) {
    // A pod's option replaces the one of the same name.
    options = options.filter((existing) => existing.split(':')[0] !== option.name);
    options.push(option.value === undefined ? (option.name ?? '') : `${option.name ?? ''}:${option.value}`);
  }
  return [
    ...nameservers.map((server) => `nameserver ${server}`),
    ...(searches.length ? [`search ${searches.join(' ')}`] : []),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ].join('\n') + '\n';
}

function parseResolvConf(text: string): { nameservers: string[]; searches: string[]; options: string[] } {
  const result = { nameservers: [] as string[], searches: [] as string[], options: [] as string[] };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line.trim().split(/\s+/);
    if (keyword === 'nameserver') result.nameservers.push(...values.slice(0, 1));
    else if (keyword === 'search' || keyword === 'domain') result.searches = values;
    else if (keyword === 'options') result.options.push(...values);
  }
  return result;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
