/**
 * A small kubeconfig loader, so the operator does not load @kubernetes/client-node: its index
 * (even its config module) pulls in the whole generated API, some 70 MiB of heap and code.
 *
 * Covers what operators are run with: an explicit file, KUBECONFIG, ~/.kube/config or the
 * in-cluster service account; bearer tokens (inline or from a file), client certificates and
 * basic auth. Users with `exec` or `auth-provider` plugins, and clusters behind a `proxy-url`,
 * are handed to client-node's KubeConfig, imported only then.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface KubeConfigSource {
  /** Explicit kubeconfig file; otherwise KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
}

/** Where the API server is and how to authenticate to it. */
export interface ApiServerAccess {
  /** Base URL, without a trailing slash. */
  readonly server: string;
  /** Namespace of the context, the default for objects that name none. */
  readonly namespace: string | undefined;
  /** Adds the TLS agent and the credentials to the options of one request. */
  authenticate(options: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service account tokens rotate; re-reading this often picks up new ones well before expiry. */
const TOKEN_FILE_REFRESH_MS = 60_000;

/**
 * Loads the kubeconfig the way kubectl finds it. Of a KUBECONFIG list only the first file is
 * read (kubectl merges them all); a context spread over several files is not supported.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): ApiServerAccess {
  const file = source.kubeconfig ?? defaultKubeconfigFile();
  if (file) return accessFromFile(file, source.context);
  if (process.env['KUBERNETES_SERVICE_HOST']) return inClusterAccess();
  throw new Error('no kubeconfig: set --kubeconfig or KUBECONFIG, create ~/.kube/config, or run in a pod');
}

function defaultKubeconfigFile(): string | undefined {
  const fromEnv = process.env['KUBECONFIG']?.split(delimiter).find(Boolean);
  if (fromEnv) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

interface NamedEntry {
  name: string;
  [field: string]: unknown;
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: NamedEntry[];
  clusters?: NamedEntry[];
  users?: NamedEntry[];
}

interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

function accessFromFile(file: string, contextOverride: string | undefined): ApiServerAccess {
  const config = (parse(readFileSync(file, 'utf8')) ?? {}) as Kubeconfig;
  const contextName = contextOverride ?? config['current-context'];
  if (!contextName) throw new Error(`kubeconfig ${file} has no current-context`);
  const context = entry<ContextEntry>(config.contexts, contextName, 'context', file);
  if (!context.cluster) throw new Error(`kubeconfig context ${contextName} has no cluster`);
  const cluster = entry<ClusterEntry>(config.clusters, context.cluster, 'cluster', file);
  const user = context.user ? entry<UserEntry>(config.users, context.user, 'user', file) : {};
  if (!cluster.server) throw new Error(`kubeconfig cluster ${context.cluster} has no server`);
  const server = trimServer(cluster.server);
  if (user.exec || user['auth-provider'] || cluster['proxy-url']) {
    return clientNodeAccess(file, contextName, server, context.namespace);
  }
  const root = dirname(resolve(file));
  const inFile = (path: string | undefined) => (path === undefined ? undefined : resolve(root, path));
  return credentialAccess({
    server,
    namespace: context.namespace,
    ca: pem(cluster['certificate-authority-data'], inFile(cluster['certificate-authority'])),
    cert: pem(user['client-certificate-data'], inFile(user['client-certificate'])),
    key: pem(user['client-key-data'], inFile(user['client-key'])),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    serverName: cluster['tls-server-name'],
    token: user.token,
    tokenFile: inFile(user.tokenFile),
    basicAuth: user.username !== undefined ? `${user.username}:${user.password ?? ''}` : undefined,
  });
}

/** The body of the `kind` (context, cluster, user) named `name` in its list. */
function entry<T>(list: NamedEntry[] | undefined, name: string, kind: string, file: string): T {
  const found = list?.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`kubeconfig ${file} has no ${kind} named ${name}`);
  return (found[kind] ?? {}) as T;
}

function inClusterAccess(): ApiServerAccess {
  const host = process.env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const namespaceFile = join(SERVICE_ACCOUNT_DIR, 'namespace');
  return credentialAccess({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined,
    ca: readFileSync(join(SERVICE_ACCOUNT_DIR, 'ca.crt'), 'utf8'),
    insecure: false,
    tokenFile: join(SERVICE_ACCOUNT_DIR, 'token'),
  });
}

interface Credentials {
  server: string;
  namespace: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  insecure: boolean;
  serverName?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  basicAuth?: string | undefined;
}

function credentialAccess(credentials: Credentials): ApiServerAccess {
  const agent = agentFor(credentials);
  const bearerToken = credentials.token ?? (credentials.tokenFile ? fileTokenReader(credentials.tokenFile) : undefined);
  return {
    server: credentials.server,
    namespace: credentials.namespace,
    async authenticate(options) {
      if (agent) options.agent = agent;
      const token = typeof bearerToken === 'function' ? bearerToken() : bearerToken;
      if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
      if (credentials.basicAuth) options.auth = credentials.basicAuth;
    },
  };
}

/** One agent per config; the transport swaps it for a pooled keep-alive agent with the same TLS options. */
function agentFor(credentials: Credentials): http.Agent | undefined {
  if (!credentials.server.startsWith('https:')) return undefined;
  const options: https.AgentOptions = { rejectUnauthorized: !credentials.insecure };
  if (credentials.ca) options.ca = credentials.ca;
  if (credentials.cert) options.cert = credentials.cert;
  if (credentials.key) options.key = credentials.key;
  if (credentials.serverName) options.servername = credentials.serverName;
  return new https.Agent(options);
}

function fileTokenReader(file: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt >= TOKEN_FILE_REFRESH_MS) {
      token = readFileSync(file, 'utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

function pem(base64Data: string | undefined, file: string | undefined): string | undefined {
  if (base64Data) return Buffer.from(base64Data, 'base64').toString('utf8');
  return file ? readFileSync(file, 'utf8') : undefined;
}

export function trimServer(server: string): string {
  return server.replace(/\/+$/, '');
}

/** Credential plugins run through client-node, loaded on the first request so other setups never pay for it. */
function clientNodeAccess(file: string, context: string, server: string, namespace: string | undefined): ApiServerAccess {
  let loaded: Promise<{ applyToHTTPSOptions(options: https.RequestOptions): Promise<void> }> | undefined;
  const load = async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromFile(file);
    config.setCurrentContext(context);
    return config;
  };
  return {
    server,
    namespace,
    async authenticate(options) {
      loaded ??= load();
      await (await loaded).applyToHTTPSOptions(options);
    },
  };
}
