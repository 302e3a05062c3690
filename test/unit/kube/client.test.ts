import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KubeClient, loadKubeConfig } from '../../../src/kube/client.js';
import { applyObject } from '../../../src/kube/apply.js';
import { PatchStrategy } from '../../../src/kube/transport.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { WatchEvent } from '../../../src/kube/informer.js';

/** A tiny HTTP server standing in for the API server's wire format, to test the client's HTTP layer. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let server: http.Server;
let baseUrl = '';

function route(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const json = (status: number, value: unknown): void => {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(value));
  };
  if (url.pathname === '/apis/policy/v1') {
    json(200, {
      kind: 'APIResourceList',
      groupVersion: 'policy/v1',
      resources: [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, singularName: '', verbs: [] }],
    });
    return;
  }
  if (request.method === 'PATCH') {
    const patched = JSON.parse(body) as { metadata?: object };
    json(200, { ...patched, metadata: { ...patched.metadata, resourceVersion: '7' } });
    return;
  }
  if (url.pathname === '/api/v1/namespaces/ns/configmaps' && url.searchParams.get('watch') === 'true') {
    if (url.searchParams.get('resourceVersion') === 'gone') {
      json(410, { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    const events = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } }),
      JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '3' } } }),
    ].join('\n') + '\n';
    // Split mid-line to exercise reassembly.
    response.write(events.slice(0, 17));
    setImmediate(() => response.end(events.slice(17)));
    return;
  }
  if (url.pathname === '/api/v1/namespaces/ns/configmaps') {
    json(200, { kind: 'ConfigMapList', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'a' } }] });
    return;
  }
  json(404, { kind: 'Status', code: 404, reason: 'NotFound', message: `${url.pathname} not found` });
}

before(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      route(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function newClient(): KubeClient {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: baseUrl, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u', namespace: 'ns' }],
    currentContext: 'ctx',
  });
  return new KubeClient(config);
}

test('server-side apply is one raw PATCH with the apply content type, authenticated, counted, without discovery', async () => {
  const client = newClient();
  seen.length = 0;
  const desired = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'ns' }, spec: { maxUnavailable: 1, notInTheModels: true } };
  const result = await applyObject(client.objects, desired, { fieldManager: 'atomix-operator' });
  assert.equal(result.applied, true);
  assert.equal(result.object.metadata?.resourceVersion, '7');
  assert.equal(seen.length, 1);
  const patch = seen[0];
  assert.ok(patch);
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.headers['content-type'], PatchStrategy.ServerSideApply);
  assert.equal(patch.headers.authorization, 'Bearer secret-token');
  assert.equal(patch.url, '/apis/policy/v1/namespaces/ns/poddisruptionbudgets/p?fieldManager=atomix-operator&force=true');
  assert.deepEqual((JSON.parse(patch.body) as { spec?: unknown }).spec, { maxUnavailable: 1, notInTheModels: true }, 'fields no typed model knows are sent');
  assert.equal(client.requests.writes(), 1);
  client.close();
});

test('objects without a namespace get the context namespace; AtomixClusters are known; unknown kinds are refused', async () => {
  const client = newClient();
  seen.length = 0;
  await client.objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, undefined, undefined, 'm', true, PatchStrategy.ServerSideApply);
  await client.objects
    .patch({ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', metadata: { name: 'a', namespace: 'other' } }, undefined, undefined, 'm', true, PatchStrategy.ServerSideApply)
    .catch(() => {});
  assert.deepEqual(
    seen.map((request) => `${request.method} ${request.url}`),
    ['PATCH /api/v1/namespaces/ns/configmaps/c?fieldManager=m&force=true', 'PATCH /apis/agent.atomix.io/v1alpha1/namespaces/other/atomixclusters/a?fieldManager=m&force=true'],
  );
  await assert.rejects(client.objects.patch({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), /unknown resource type/);
  client.close();
});

test('a client on a kubeconfig loaded without client-node authenticates the same way', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
  const file = join(directory, 'config');
  await writeFile(
    file,
    stringify({
      clusters: [{ name: 'c', cluster: { server: `${baseUrl}/` } }],
      users: [{ name: 'u', user: { token: 'file-token' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
      'current-context': 'ctx',
    }),
  );
  const client = new KubeClient(loadKubeConfig({ kubeconfig: file }));
  try {
    const list = await client.list('/api/v1/namespaces/ns/configmaps', {}, AbortSignal.timeout(5000));
    assert.equal(list.items?.length, 1);
    assert.equal(seen.at(-1)?.headers.authorization, 'Bearer file-token');
  } finally {
    client.close();
    await rm(directory, { recursive: true });
  }
});

test('raw requests parse JSON and map error statuses to KubeApiError', async () => {
  const client = newClient();
  const list = await client.list('/api/v1/namespaces/ns/configmaps', { limit: 500, continue: undefined, labelSelector: '' }, AbortSignal.timeout(5000));
  assert.equal(list.items?.length, 1);
  const listed = seen.at(-1);
  assert.equal(listed?.url, '/api/v1/namespaces/ns/configmaps?limit=500', 'undefined and empty parameters are left out');
  assert.equal(listed.headers.authorization, 'Bearer secret-token');
  await assert.rejects(client.request({ method: 'GET', path: '/api/v1/namespaces/ns/secrets/x' }), (error: unknown) => {
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.statusCode, 404);
    assert.equal(error.reason, 'NotFound');
    return true;
  });
  assert.equal(client.requests.total({ verb: 'get', resource: 'secrets', code: '404' }), 1);
  assert.equal(client.requests.total({ verb: 'list', resource: 'configmaps', code: '200' }), 1);
  client.close();
});

test('watch streams events split across chunks, and is counted as a watch', async () => {
  const client = newClient();
  const events: WatchEvent[] = [];
  await client.watch('/api/v1/namespaces/ns/configmaps', { resourceVersion: '1' }, (event) => events.push(event), AbortSignal.timeout(5000));
  assert.deepEqual(events.map((event) => event.type), ['ADDED', 'BOOKMARK']);
  assert.equal(client.requests.total({ verb: 'watch', resource: 'configmaps' }), 1);
  assert.match(seen.at(-1)?.url ?? '', /watch=true/);
  client.close();
});

test('a watch answered with HTTP 410 rejects with a 410 KubeApiError', async () => {
  const client = newClient();
  await assert.rejects(
    client.watch('/api/v1/namespaces/ns/configmaps', { resourceVersion: 'gone' }, () => {}, AbortSignal.timeout(5000)),
    (error: unknown) => error instanceof KubeApiError && error.statusCode === 410,
  );
  client.close();
});

test('connection failures are counted with code "error"', async () => {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  const client = new KubeClient(config);
  await assert.rejects(client.request({ method: 'GET', path: '/api/v1/namespaces/ns/pods/p' }));
  assert.equal(client.requests.total({ code: 'error' }), 1);
  client.close();
});

test('a DELETE with a body sends its length, so the next request on the connection is read as a request', async () => {
  const client = newClient();
  seen.length = 0;
  await client.request({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p', body: { preconditions: { uid: 'u' } } }).catch(() => {});
  await client.request({ method: 'GET', path: '/api/v1/namespaces/ns/configmaps' });
  assert.deepEqual(seen.map((request) => `${request.method} ${request.body}`), ['DELETE {"preconditions":{"uid":"u"}}', 'GET ']);
  assert.equal(seen[0]?.headers['content-length'], String('{"preconditions":{"uid":"u"}}'.length));
  client.close();
});
