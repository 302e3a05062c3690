/**
 * The proxy of the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as Go's
 * net/http ProxyFromEnvironment applies it for client-go: the upper-case name wins,
 * NO_PROXY lists hosts, domain suffixes, CIDRs or `*`, optionally with a port, and
 * loopback servers are never proxied.
 */
import { BlockList, isIP } from 'node:net';

export function environmentProxy(server: string, env: NodeJS.ProcessEnv): string | undefined {
  const url = new URL(server);
  const https = url.protocol === 'https:';
  const proxy = https ? (env['HTTPS_PROXY'] ?? env['https_proxy']) : (env['HTTP_PROXY'] ?? env['http_proxy']);
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = url.port || (https ? '443' : '80');
  if (isLoopback(host)) return undefined;
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  return bypassed(host, port, noProxy) ? undefined : proxy;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  return family === 6 && host === '::1';
}

function bypassed(host: string, port: string, noProxy: string): boolean {
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => entry === '*' || matches(entry, host, port));
}

function matches(entry: string, host: string, port: string): boolean {
  if (entry.includes('/')) return inCidr(entry, host);
  const { name, entryPort } = splitHostPort(entry);
  if (entryPort !== undefined && entryPort !== port) return false;
  if (isIP(name)) return name === host;
  const domain = name.replace(/^\*?\./, '');
  // "example.com" and ".example.com" both match the domain and its subdomains.
  return host === domain || host.endsWith(`.${domain}`);
}

function splitHostPort(entry: string): { name: string; entryPort: string | undefined } {
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', entryPort: bracketed[2] };
  if (isIP(entry) === 6) return { name: entry, entryPort: undefined };
  const colon = entry.lastIndexOf(':');
  return colon > 0 ? { name: entry.slice(0, colon), entryPort: entry.slice(colon + 1) } : { name: entry, entryPort: undefined };
}

function inCidr(cidr: string, host: string): boolean {
  const [network = '', bits = ''] = cidr.split('/');
  const family = isIP(network);
  if (family === 0 || isIP(host) !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(network, Number(bits), type);
  return list.check(host, type);
}
