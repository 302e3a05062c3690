/**
 * A small kubeconfig loader, so the operator does not load @kubernetes/client-node: its index
 * (even its config module) pulls in the whole generated API, some 70 MiB of heap and code.
 *
 * Finds the configuration as kubectl does: an explicit file, every file of KUBECONFIG (merged,
 * the first to define a name wins), ~/.kube/config, or the in-cluster service account. It
 * handles by itself what operators are usually run with: bearer tokens (inline or from a file),
 * client certificates and basic auth, over TLS or plain HTTP. Everything else it finds in the
 * context's cluster or user (credential plugins, auth providers, impersonation, a proxy from
 * `proxy-url` or HTTPS_PROXY, fields it does not know) is handed to client-node's KubeConfig,
 * imported only then. What neither understands is refused, never ignored.
 *
 * Token, certificate and CA files are read again from time to time, as client-go does, so
 * rotated credentials are picked up without a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { environmentProxy } from './proxy-env.js';

export interface KubeConfigSource {
  /** Explicit kubeconfig file; otherwise KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  /** Where KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT and the proxy variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The mounted service account (token, ca.crt, namespace); default the standard in-pod path. */
  serviceAccountDir?: string;
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
export const TOKEN_FILE_REFRESH_MS = 60_000;
/** How often certificate and CA files are read again (client-go checks rotated client certificates every 5 minutes). */
export const CERTIFICATE_FILE_REFRESH_MS = 5 * 60_000;

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
  [field: string]: unknown;
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
  [field: string]: unknown;
}

/** Fields this loader applies itself. */
const OWN_CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
]);
const OWN_USER_FIELDS = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'username',
  'password',
]);
/** Informational fields that change nothing about how a request is made. */
const INERT_FIELDS = new Set(['extensions', 'disable-compression']);
/** Impersonation client-node does not implement either: running without it would act with other rights. */
const UNSUPPORTED_USER_FIELDS = ['as-uid', 'as-groups', 'as-user-extra'];
/** Fields holding paths, resolved against the file that defines them. */
const CLUSTER_PATHS = ['certificate-authority'];
const USER_PATHS = ['client-certificate', 'client-key', 'tokenFile'];

/** Loads the kubeconfig the way kubectl finds it. */
export function loadKubeConfig(source: KubeConfigSource = {}): ApiServerAccess {
  const env = source.env ?? process.env;
  const files = source.kubeconfig !== undefined ? [source.kubeconfig] : defaultKubeconfigFiles(env);
  if (files.length > 0) return accessFor(mergedKubeconfig(files), source.context, env, files.join(delimiter));
  if (env['KUBERNETES_SERVICE_HOST']) {
    return accessFor(inClusterKubeconfig(source.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, env), undefined, env, 'in-cluster config');
  }
  throw new Error('no kubeconfig: set --kubeconfig or KUBECONFIG, create ~/.kube/config, or run in a pod');
}

/** KUBECONFIG's files that exist (kubectl skips missing ones), else ~/.kube/config if it exists. */
function defaultKubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  const listed = (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) return listed.filter((file) => existsSync(file));
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** One kubeconfig from several, as kubectl merges them: the first file to set a name or the current context wins. */
function mergedKubeconfig(files: readonly string[]): Kubeconfig {
  const merged: Required<Kubeconfig> = { 'current-context': '', contexts: [], clusters: [], users: [] };
  for (const file of files) {
    const config = (parse(readFileSync(file, 'utf8')) ?? {}) as Kubeconfig;
    const root = dirname(resolve(file));
    if (!merged['current-context'] && config['current-context']) merged['current-context'] = config['current-context'];
    const add = (list: NamedEntry[], entries: NamedEntry[] | undefined, kind: string, paths: readonly string[]) => {
      for (const entry of entries ?? []) {
        if (list.some((known) => known.name === entry.name)) continue;
        list.push({ ...entry, [kind]: withAbsolutePaths(entry[kind], paths, root) });
      }
    };
    add(merged.contexts, config.contexts, 'context', []);
    add(merged.clusters, config.clusters, 'cluster', CLUSTER_PATHS);
    add(merged.users, config.users, 'user', USER_PATHS);
  }
  return merged;
}

function withAbsolutePaths(body: unknown, fields: readonly string[], root: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const copy = { ...(body as Record<string, unknown>) };
  for (const field of fields) {
    const path = copy[field];
    if (typeof path === 'string' && path !== '' && !isAbsolute(path)) copy[field] = resolve(root, path);
  }
  return copy;
}

/** The service account a pod is given, as a kubeconfig, so it takes the same path as any other. */
function inClusterKubeconfig(dir: string, env: NodeJS.ProcessEnv): Kubeconfig {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  return {
    'current-context': 'in-cluster',
    clusters: [
      {
        name: 'in-cluster',
        cluster: { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, 'certificate-authority': join(dir, 'ca.crt') },
      },
    ],
    users: [{ name: 'service-account', user: { tokenFile: join(dir, 'token') } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'service-account', ...(namespace ? { namespace } : {}) } }],
  };
}

interface Selected {
  contextName: string;
  context: ContextEntry;
  cluster: ClusterEntry;
  user: UserEntry;
  server: string;
}

function select(config: Kubeconfig, contextOverride: string | undefined, origin: string): Selected {
  const contextName = contextOverride ?? config['current-context'];
  if (!contextName) throw new Error(`kubeconfig ${origin} has no current-context`);
  const context = entry(config.contexts, contextName, 'context', origin) as ContextEntry;
  if (!context.cluster) throw new Error(`kubeconfig context ${contextName} has no cluster`);
  const cluster = entry(config.clusters, context.cluster, 'cluster', origin) as ClusterEntry;
  const user = context.user ? (entry(config.users, context.user, 'user', origin) as UserEntry) : {};
  if (!cluster.server) throw new Error(`kubeconfig cluster ${context.cluster} has no server`);
  return { contextName, context, cluster, user, server: trimServer(cluster.server) };
}

function accessFor(config: Kubeconfig, contextOverride: string | undefined, env: NodeJS.ProcessEnv, origin: string): ApiServerAccess {
  const selected = select(config, contextOverride, origin);
  const { context, cluster, user, server } = selected;
  const unsupported = UNSUPPORTED_USER_FIELDS.filter((field) => user[field] !== undefined);
  if (unsupported.length > 0) {
    throw new Error(`kubeconfig user ${context.user ?? ''}: ${unsupported.join(', ')} (impersonation) is not supported`);
  }
  const proxyUrl = cluster['proxy-url'] ?? environmentProxy(server, env);
  const tokenFile = user.token === undefined ? user.tokenFile : undefined;
  if (proxyUrl !== undefined || !onlyOwnFields(cluster, OWN_CLUSTER_FIELDS) || !onlyOwnFields(user, OWN_USER_FIELDS)) {
    return clientNodeAccess({ config, contextName: selected.contextName, server, namespace: context.namespace, proxyUrl, tokenFile });
  }
  // Read once now, so a missing file fails the load rather than the first request.
  const file = (path: string | undefined) => (path ? primed(refreshingFile(path, CERTIFICATE_FILE_REFRESH_MS)) : undefined);
  return credentialAccess({
    server,
    namespace: context.namespace,
    tls: {
      ca: pem(cluster['certificate-authority-data'], file(cluster['certificate-authority'])),
      cert: pem(user['client-certificate-data'], file(user['client-certificate'])),
      key: pem(user['client-key-data'], file(user['client-key'])),
    },
    insecure: cluster['insecure-skip-tls-verify'] === true,
    serverName: cluster['tls-server-name'],
    token: user.token,
    tokenFile,
    basicAuth: user.username !== undefined ? `${user.username}:${user.password ?? ''}` : undefined,
  });
}

function onlyOwnFields(body: Record<string, unknown>, own: ReadonlySet<string>): boolean {
  return Object.keys(body).every((field) => own.has(field) || INERT_FIELDS.has(field));
}

/** The body of the `kind` (context, cluster, user) named `name` in its list. */
function entry(list: NamedEntry[] | undefined, name: string, kind: string, origin: string): Record<string, unknown> {
  const found = list?.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`kubeconfig ${origin} has no ${kind} named ${name}`);
  return (found[kind] ?? {}) as Record<string, unknown>;
}

/** A PEM value: inline (base64) data, a file read again from time to time, or none. */
type PemSource = (() => string) | undefined;

interface Credentials {
  server: string;
  namespace: string | undefined;
  tls: { ca: PemSource; cert: PemSource; key: PemSource };
  insecure: boolean;
  serverName?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  basicAuth?: string | undefined;
}

function credentialAccess(credentials: Credentials): ApiServerAccess {
  const agent = credentials.server.startsWith('https:') ? rotatingAgent(credentials) : () => undefined;
  const tokenFile = credentials.tokenFile;
  const bearerToken = tokenFile ? refreshingFile(tokenFile, TOKEN_FILE_REFRESH_MS, (text) => text.trim()) : () => credentials.token;
  return {
    server: credentials.server,
    namespace: credentials.namespace,
    authenticate(options) {
      const current = agent();
      if (current) options.agent = current;
      const token = bearerToken();
      if (token) setHeader(options, 'Authorization', `Bearer ${token}`);
      if (credentials.basicAuth) options.auth = credentials.basicAuth;
      return Promise.resolve();
    },
  };
}

/**
 * The TLS agent for the current certificate material: a new one once a rotated file
 * is read. The transport swaps it for a pooled keep-alive agent with the same options.
 */
function rotatingAgent(credentials: Credentials): () => https.Agent {
  let agent: https.Agent | undefined;
  let material = '';
  return () => {
    const ca = credentials.tls.ca?.();
    const cert = credentials.tls.cert?.();
    const key = credentials.tls.key?.();
    const current = JSON.stringify([ca, cert, key]);
    if (!agent || current !== material) {
      const options: https.AgentOptions = { rejectUnauthorized: !credentials.insecure };
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      if (credentials.serverName) options.servername = credentials.serverName;
      agent = new https.Agent(options);
      material = current;
    }
    return agent;
  };
}

/** The content of `file`, read again once `refreshMs` have passed since the last read. */
function refreshingFile(file: string, refreshMs: number, transform: (text: string) => string = (text) => text): () => string {
  let content = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt >= refreshMs) {
      content = transform(readFileSync(file, 'utf8'));
      readAt = Date.now();
    }
    return content;
  };
}

function primed<T>(read: () => T): () => T {
  read();
  return read;
}

function pem(base64Data: string | undefined, file: PemSource): PemSource {
  if (base64Data) {
    const text = Buffer.from(base64Data, 'base64').toString('utf8');
    return () => text;
  }
  return file;
}

function setHeader(options: https.RequestOptions, name: string, value: string): void {
  const { headers } = options;
  options.headers = isRawHeaderList(headers) ? [...headers, name, value] : { ...headers, [name]: value };
}

function isRawHeaderList(headers: https.RequestOptions['headers']): headers is readonly string[] {
  return Array.isArray(headers);
}

export function trimServer(server: string): string {
  return server.replace(/\/+$/, '');
}

interface HandOff {
  config: Kubeconfig;
  contextName: string;
  server: string;
  namespace: string | undefined;
  /** `proxy-url`, or the environment's proxy for this server. */
  proxyUrl: string | undefined;
  /** client-node reads a token file once (and only as `token-file`): this loader keeps it fresh. */
  tokenFile: string | undefined;
}

interface ClientNodeConfig {
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/** What this loader does not do itself goes through client-node, loaded on the first request so other setups never pay for it. */
function clientNodeAccess(handOff: HandOff): ApiServerAccess {
  let loaded: Promise<ClientNodeConfig> | undefined;
  const load = async (): Promise<ClientNodeConfig> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromString(stringify(handOff.config));
    config.setCurrentContext(handOff.contextName);
    const { proxyUrl } = handOff;
    const current = config.getCurrentCluster();
    if (proxyUrl !== undefined && current) {
      config.clusters = config.clusters.map((cluster) => (cluster.name === current.name ? { ...cluster, proxyUrl } : cluster));
    }
    return config;
  };
  const token = handOff.tokenFile ? refreshingFile(handOff.tokenFile, TOKEN_FILE_REFRESH_MS, (text) => text.trim()) : undefined;
  return {
    server: handOff.server,
    namespace: handOff.namespace,
    async authenticate(options) {
      loaded ??= load();
      await (await loaded).applyToHTTPSOptions(options);
      const authorized = !isRawHeaderList(options.headers) && options.headers?.['Authorization'] !== undefined;
      if (token && !authorized) setHeader(options, 'Authorization', `Bearer ${token()}`);
    },
  };
}
