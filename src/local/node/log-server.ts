// The kubelet's containerLogs endpoint, which the API server calls for `kubectl logs`:
// HTTPS on the node's kubelet port, only for clients with a certificate of the kubelet CA
// (the API server's --kubelet-client-certificate), reading the CRI log files of a container.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContainerLogs } from './pod-worker.js';

export interface LogServerTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Finds a container's log files: undefined when there is no such pod or container on this node. */
export type LogLookup = (namespace: string, pod: string, container: string) => ContainerLogs | undefined;

interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number | undefined;
  limitBytes?: number | undefined;
  sinceTime?: Date | undefined;
}

const FOLLOW_POLL_MS = 250;

export async function startLogServer(port: number, tls: LogServerTls, lookup: LogLookup): Promise<Server> {
  const server = createServer(
    { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, requestCert: true, rejectUnauthorized: true },
    (request, response) => void serve(request, response, lookup).catch((error: unknown) => fail(response, 500, String(error))),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

async function serve(request: IncomingMessage, response: ServerResponse, lookup: LogLookup): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://kubelet');
  if (url.pathname === '/healthz') {
    response.end('ok');
    return;
  }
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match || request.method !== 'GET') { fail(response, 404, `not found: ${url.pathname}`); return; }
  const [namespace = '', pod = '', container = ''] = match.slice(1).map(decodeURIComponent);
  const query = parseQuery(url.searchParams);
  const logs = lookup(namespace, pod, container);
  if (!logs) { fail(response, 404, `container "${container}" in pod "${pod}" is not available on this node`); return; }
  const path = query.previous ? logs.previous : logs.current;
  if (!path) {
    const what = query.previous ? 'previous terminated container' : 'container';
    fail(response, 400, `${what} "${container}" in pod "${pod}" not found`); return;
  }
  response.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const output = new LogOutput(response, query);
  let offset = await writeExisting(path, query, output);
  if (!query.follow || query.previous) {
    response.end();
    return;
  }
  // Follow until the client goes away or this instance has ended and everything was sent.
  const client = { gone: false };
  request.on('close', () => (client.gone = true));
  while (!client.gone && !output.full) {
    const stillRunning = lookup(namespace, pod, container);
    const sameInstance = stillRunning?.current === path;
    offset = await writeFrom(path, offset, output);
    if (!sameInstance || !stillRunning.running) break;
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }
  response.end();
}

function parseQuery(params: URLSearchParams): LogQuery {
  const flag = (name: string) => params.get(name) === 'true' || params.get(name) === '1';
  const number = (name: string) => {
    const value = params.get(name);
    return value === null ? undefined : Number.parseInt(value, 10);
  };
  const sinceSeconds = number('sinceSeconds');
  const sinceTime = params.get('sinceTime');
  return {
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    tailLines: number('tailLines'),
    limitBytes: number('limitBytes'),
    sinceTime: sinceTime ? new Date(sinceTime) : sinceSeconds !== undefined ? new Date(Date.now() - sinceSeconds * 1000) : undefined,
  };
}

/** Turns CRI lines ("<time> stdout|stderr F|P <text>") into what kubectl prints. */
class LogOutput {
  private written = 0;

  constructor(
    private readonly response: ServerResponse,
    private readonly query: LogQuery,
  ) {}

  get full(): boolean {
    return this.query.limitBytes !== undefined && this.written >= this.query.limitBytes;
  }

  write(criLine: string): void {
    const entry = parseCriLine(criLine);
    if (!entry || this.full) return;
    if (this.query.sinceTime && new Date(entry.time) < this.query.sinceTime) return;
    let text = `${this.query.timestamps ? `${entry.time} ` : ''}${entry.text}${entry.partial ? '' : '\n'}`;
    if (this.query.limitBytes !== undefined) text = Buffer.from(text).subarray(0, this.query.limitBytes - this.written).toString();
    this.written += Buffer.byteLength(text);
    this.response.write(text);
  }
}

function parseCriLine(line: string): { time: string; stream: string; partial: boolean; text: string } | undefined {
  const match = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!match) return undefined;
  return { time: match[1] ?? '', stream: match[2] ?? '', partial: match[3] === 'P', text: match[4] ?? '' };
}

/** Writes the whole file, or its last tailLines lines; returns the offset reached. */
async function writeExisting(path: string, query: LogQuery, output: LogOutput): Promise<number> {
  const size = await stat(path).then((stats) => stats.size, () => 0);
  if (query.tailLines === undefined) return writeFrom(path, 0, output);
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return 0;
  try {
    const content = (await handle.readFile()).subarray(0, size).toString();
    const lines = content.split('\n').slice(0, -1);
    for (const line of query.tailLines > 0 ? lines.slice(-query.tailLines) : []) output.write(line);
    return Buffer.byteLength(lines.join('\n')) + (lines.length ? 1 : 0);
  } finally {
    await handle.close();
  }
}

/** Writes the complete lines after `offset`; returns the offset after the last complete line. */
async function writeFrom(path: string, offset: number, output: LogOutput): Promise<number> {
  const size = await stat(path).then((stats) => stats.size, () => 0);
  if (size <= offset) return offset;
  let pending = '';
  let consumed = offset;
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { start: offset, end: size - 1, encoding: 'utf8' });
    stream.on('data', (chunk) => {
      const lines = (pending + String(chunk)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.write(line);
        consumed += Buffer.byteLength(line) + 1;
      }
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return consumed;
}

function fail(response: ServerResponse, code: number, message: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(code, { 'Content-Type': 'text/plain' });
  response.end(message);
}
