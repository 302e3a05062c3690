/**
 * Kubernetes client for the operator: loads the kubeconfig and routes every request
 * (typed client-node APIs, KubernetesObjectApi, lists, watches, raw requests) through one
 * counting HTTP layer.
 */
import type http from 'node:http';
import type https from 'node:https';
import {
  KubeConfig,
  KubernetesObjectApi,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { RawRequest, RawRequester } from './apply.js';
import { errorFromStatus } from './errors.js';
import { HttpTransport, parseJson, type HttpRequest } from './http.js';
import type { ListWatchTransport, ObjectList, QueryParams, WatchEvent } from './informer.js';
import { RequestCounter } from './request-counter.js';

export interface KubeConfigSource {
  /** Explicit kubeconfig file; otherwise KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const config = new KubeConfig();
  if (source.kubeconfig) config.loadFromFile(source.kubeconfig);
  else config.loadFromDefault();
  if (source.context) config.setCurrentContext(source.context);
  if (!config.getCurrentCluster()) throw new Error(`kubeconfig context ${config.getCurrentContext()} has no cluster`);
  return config;
}

export interface KubeClientOptions {
  /** Registry for `rest_client_requests_total`; without it requests are only counted in-process. */
  registry?: Registry;
  /** Socket inactivity timeout for everything but watches. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class KubeClient implements ListWatchTransport, RawRequester {
  readonly requests: RequestCounter;
  /** Any-kind CRUD and server-side apply (`apply.ts`), with discovery cached per API version. */
  readonly objects: KubernetesObjectApi;
  private readonly transport: HttpTransport;
  private readonly configuration: Configuration;
  private readonly requestTimeoutMs: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    this.requests = new RequestCounter(options.registry);
    this.transport = new HttpTransport(this.requests);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(this.server(), {}),
      authMethods: { default: kubeConfig },
      httpApi: this.httpLibrary(),
    });
    this.objects = new ObjectApi(this.configuration, kubeConfig);
  }

  /** A typed client-node API (CoordinationV1Api, EventsV1Api, …) whose requests are counted. */
  api<T>(apiClass: new (configuration: Configuration) => T): T {
    return new apiClass(this.configuration);
  }

  /** A JSON request; resolves with the parsed body, throws KubeApiError for non-2xx answers. */
  async request<T = unknown>(request: RawRequest): Promise<T> {
    const headers: Record<string, string> = {};
    if (request.body !== undefined) headers['Content-Type'] = request.contentType ?? 'application/json';
    const prepared = await this.prepare(request.method, request.path, request.query, request.signal, headers);
    if (request.body !== undefined) {
      prepared.body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
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

  private server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  /** Builds a request with the kubeconfig's TLS settings and (possibly refreshed) credentials. */
  private async prepare(
    method: string,
    path: string,
    query: QueryParams | undefined,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
  ): Promise<HttpRequest> {
    const url = new URL(this.server() + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    const options: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
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

  /** Adapts the transport to client-node's generated clients, which authenticate the context themselves. */
  private httpLibrary(): HttpLibrary {
    return wrapHttpLibrary({
      send: async (context: RequestContext) => {
        const body = context.getBody();
        if (body !== undefined && typeof body !== 'string') throw new Error('only string request bodies are supported');
        const request: HttpRequest = {
          method: context.getHttpMethod(),
          url: new URL(context.getUrl()),
          headers: context.getHeaders(),
          agent: context.getAgent(),
          timeoutMs: this.requestTimeoutMs,
        };
        if (body !== undefined) request.body = body;
        const signal = context.getSignal();
        if (signal) request.signal = signal;
        const response = await this.transport.send(request);
        return new ResponseContext(response.status, response.headers, {
          text: async () => response.body.toString('utf8'),
          binary: async () => response.body,
        });
      },
    });
  }
}

/** KubernetesObjectApi on our configuration, defaulting namespaces from the kubeconfig context as makeApiClient does. */
class ObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration, kubeConfig: KubeConfig) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }
}

function stringHeaders(headers: http.OutgoingHttpHeaders | readonly string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers || Array.isArray(headers)) return result;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}
