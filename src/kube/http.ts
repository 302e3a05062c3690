/**
 * The one HTTP layer every API request goes through (object patches, lists, watches, raw
 * requests): it counts requests and reuses connections.
 *
 * Credentials hand over a plain agent per request (client-node's KubeConfig builds a fresh
 * one each time, so every request would pay a TLS handshake). Here an agent built from plain
 * TLS options is swapped for a pooled keep-alive agent with the same options; other agents
 * (proxies) are used as given.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { errorFromStatus } from './errors.js';
import { describeRequest, type RequestCounter } from './request-counter.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  agent?: http.Agent;
  /** Basic auth as 'user:password'. */
  auth?: string;
  signal?: AbortSignal;
  /** Socket inactivity timeout; unset for watches, whose liveness the informer checks. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const TLS_OPTION_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export class HttpTransport {
  private readonly pooledAgents = new Map<string, http.Agent>();

  constructor(private readonly counter: RequestCounter) {}

  /** Sends a request and buffers the response, whatever its status. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const response = await this.open(request);
    const body = await readAll(response);
    return { status: response.statusCode ?? 0, headers: flattenHeaders(response.headers), body };
  }

  /**
   * Streams a newline-delimited JSON response to `onLine`. Resolves when the server ends the
   * response or `signal` aborts; rejects on a non-200 status or a broken connection.
   */
  async stream(request: HttpRequest, onLine: (line: string) => void): Promise<void> {
    let response: http.IncomingMessage;
    try {
      response = await this.open(request);
    } catch (error) {
      if (request.signal?.aborted) return;
      throw error;
    }
    if (response.statusCode !== 200) {
      const body = await readAll(response);
      throw errorFromStatus(response.statusCode ?? 0, parseJson(body.toString('utf8')));
    }
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        try {
          for (const line of lines) if (line.trim()) onLine(line);
        } catch (error) {
          response.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      response.on('end', resolve);
      response.on('close', () => (request.signal?.aborted || response.complete ? resolve() : reject(new Error('watch connection closed'))));
      response.on('error', (error) => (request.signal?.aborted ? resolve() : reject(error)));
    });
  }

  /** Sends the request; counts it once the status (or the failure) is known. */
  private open(request: HttpRequest): Promise<http.IncomingMessage> {
    const description = describeRequest(request.method, request.url);
    return new Promise((resolve, reject) => {
      const module = request.url.protocol === 'http:' ? http : https;
      const pool = this.poolFor(request.agent);
      const outgoing = module.request(request.url, {
        method: request.method,
        headers: request.headers,
        agent: pool,
        auth: request.auth,
        signal: request.signal,
      });
      const { timeoutMs } = request;
      if (timeoutMs) {
        outgoing.setTimeout(timeoutMs, () => {
          outgoing.destroy(new Error(`request timed out after ${timeoutMs} ms`));
          dropIdleSockets(pool);
        });
      }
      // A request given up on (a timeout, a watch past its deadline) may sit on a path
      // that went silent; the idle pooled connections on it would hang the next requests.
      request.signal?.addEventListener('abort', () => dropIdleSockets(pool), { once: true });
      let answered = false;
      outgoing.on('response', (response) => {
        answered = true;
        this.counter.record(description, String(response.statusCode));
        resolve(response);
      });
      // Also fires when a streamed response is aborted later; only a request without an answer counts as failed.
      outgoing.on('error', (error) => {
        if (answered) return;
        this.counter.record(description, 'error');
        reject(error);
      });
      outgoing.end(request.body);
    });
  }

  private poolFor(agent: http.Agent | undefined): http.Agent | undefined {
    if (!agent || (agent.constructor !== https.Agent && agent.constructor !== http.Agent)) return agent;
    const options = (agent as https.Agent).options;
    const isHttps = agent.constructor === https.Agent;
    const key = tlsKey(isHttps, options);
    let pooled = this.pooledAgents.get(key);
    if (!pooled) {
      pooled = isHttps ? new https.Agent({ ...options, keepAlive: true }) : new http.Agent({ keepAlive: true });
      this.pooledAgents.set(key, pooled);
    }
    return pooled;
  }

  /** Closes idle pooled connections (open watches end on their own abort). */
  close(): void {
    for (const agent of this.pooledAgents.values()) agent.destroy();
    this.pooledAgents.clear();
  }
}

/** Identifies agents with the same TLS material; material rotated on disk yields a new agent. */
function tlsKey(isHttps: boolean, options: https.AgentOptions): string {
  const hash = createHash('sha256').update(isHttps ? 'https' : 'http');
  for (const name of TLS_OPTION_KEYS) {
    const value = options[name];
    hash.update(`\0${name}=`);
    if (value !== undefined) hash.update(typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : String(value));
  }
  return hash.digest('hex');
}

function readAll(response: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function dropIdleSockets(agent: http.Agent | undefined): void {
  for (const sockets of Object.values(agent?.freeSockets ?? {})) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}

export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
