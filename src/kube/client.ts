/**
 * Kubernetes client for the operator: routes every request (object patches, lists, watches,
 * raw requests) through one counting HTTP layer. It loads no runtime module of
 * @kubernetes/client-node, whose generated API costs some 70 MiB (see kubeconfig.ts).
 */
import type http from 'node:http';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { RawRequest, RawRequester } from './transport.js';
import { errorFromStatus } from './errors.js';
import { HttpTransport, parseJson, type HttpRequest } from './http.js';
import type { ListWatchTransport, ObjectList, QueryParams, WatchEvent } from './informer.js';
import { trimServer, type ApiServerAccess } from './kubeconfig.js';
import { ObjectApi } from './object-api.js';
import { RequestCounter } from './request-counter.js';

export { loadKubeConfig, type ApiServerAccess } from './kubeconfig.js';

/** The part of client-node's KubeConfig the client uses (tests and the local control plane pass one). */
type ClientNodeKubeConfig = Pick<KubeConfig, 'getCurrentCluster' | 'getCurrentContext' | 'getContextObject' | 'applyToHTTPSOptions'>;

export interface KubeClientOptions {
  /** Registry for `rest_client_requests_total`; without it requests are only counted in-process. */
  registry?: Registry;
  /** Socket inactivity timeout for everything but watches. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class KubeClient implements ListWatchTransport, RawRequester {
  readonly requests: RequestCounter;
  /** Reads and patches (server-side apply, `apply.ts`) objects of the kinds in resources.ts. */
  readonly objects: ObjectApi;
  readonly access: ApiServerAccess;
  private readonly transport: HttpTransport;
  private readonly requestTimeoutMs: number;

  /** `source`: our loaded kubeconfig (`loadKubeConfig`), or a client-node KubeConfig. */
  constructor(source: ApiServerAccess | ClientNodeKubeConfig, options: KubeClientOptions = {}) {
    this.access = 'applyToHTTPSOptions' in source ? accessOf(source) : source;
    this.requests = new RequestCounter(options.registry);
    this.transport = new HttpTransport(this.requests);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.objects = new ObjectApi(this, this.access.namespace);
  }

  /** A JSON request; resolves with the parsed body, throws KubeApiError for non-2xx answers. */
  async request<T = unknown>(request: RawRequest): Promise<T> {
    const headers: Record<string, string> = {};
    if (request.body !== undefined) headers['Content-Type'] = request.contentType ?? 'application/json';
    const prepared = await this.prepare(request.method, request.path, request.query, request.signal, headers);
    if (request.body !== undefined) {
      prepared.body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      // Node sends the body of a DELETE neither chunked nor with a length unless told: the API
      // server then read it as the next request on the connection (a bare "400 Bad Request").
      prepared.headers['Content-Length'] = String(Buffer.byteLength(prepared.body));
    }
    const response = await this.transport.send(prepared);
    const body = parseJson(response.body.toString('utf8'));
    if (response.status < 200 || response.status > 299) throw errorFromStatus(response.status, body);
    return body as T;
  }

  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ObjectList> {
    return this.request<ObjectList>({ method: 'GET', path, query, signal });
  }

  async watch(path: string, query: QueryParams, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const prepared = await this.prepare('GET', path, { ...query, watch: true }, signal, {});
    delete prepared.timeoutMs;
    await this.transport.stream(prepared, (line) => onEvent(JSON.parse(line) as WatchEvent));
  }

  /** Closes idle pooled connections. */
  close(): void {
    this.transport.close();
  }

  /** Builds a request with the kubeconfig's TLS settings and (possibly refreshed) credentials. */
  private async prepare(
    method: string,
    path: string,
    query: QueryParams | undefined,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
  ): Promise<HttpRequest> {
    const url = new URL(this.access.server + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    const options: https.RequestOptions = {};
    await this.access.authenticate(options);
    const prepared: HttpRequest = {
      method,
      url,
      headers: { Accept: 'application/json', ...stringHeaders(options.headers), ...headers },
      agent: options.agent as http.Agent | undefined,
      timeoutMs: this.requestTimeoutMs,
    };
    if (options.auth) prepared.auth = options.auth;
    if (signal) prepared.signal = signal;
    return prepared;
  }
}

function accessOf(config: ClientNodeKubeConfig): ApiServerAccess {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  return {
    server: trimServer(cluster.server),
    namespace: config.getContextObject(config.getCurrentContext())?.namespace,
    authenticate: (options) => config.applyToHTTPSOptions(options),
  };
}

function stringHeaders(headers: http.OutgoingHttpHeaders | readonly string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers || Array.isArray(headers)) return result;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}
