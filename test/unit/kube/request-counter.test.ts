import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { RequestCounter, describeRequest } from '../../../src/kube/request-counter.js';

const cases: Array<[string, string, string, string]> = [
  ['GET', '/api/v1/namespaces/ns/configmaps/c', 'get', 'configmaps'],
  ['GET', '/api/v1/namespaces/ns/configmaps', 'list', 'configmaps'],
  ['GET', '/api/v1/configmaps?watch=true&resourceVersion=5', 'watch', 'configmaps'],
  ['GET', '/api/v1/namespaces/ns', 'get', 'namespaces'],
  ['GET', '/api/v1/namespaces', 'list', 'namespaces'],
  ['POST', '/api/v1/namespaces/ns/events', 'create', 'events'],
  ['PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/op', 'update', 'leases'],
  ['PATCH', '/apis/apps/v1/namespaces/ns/statefulsets/s', 'patch', 'statefulsets'],
  ['PATCH', '/apis/agent.atomix.io/v1alpha1/namespaces/ns/atomixclusters/a/status', 'patch', 'atomixclusters/status'],
  ['DELETE', '/apis/policy/v1/namespaces/ns/poddisruptionbudgets/p', 'delete', 'poddisruptionbudgets'],
  ['DELETE', '/api/v1/namespaces/ns/pods', 'deletecollection', 'pods'],
  ['GET', '/apis/policy/v1', 'get', 'discovery'],
  ['GET', '/api', 'get', 'discovery'],
  ['GET', '/version', 'get', 'nonresource'],
];

test('describeRequest derives verb and resource', () => {
  for (const [method, path, verb, resource] of cases) {
    assert.deepEqual(describeRequest(method, new URL(`https://k8s${path}`)), { verb, resource }, `${method} ${path}`);
  }
});

test('counts by verb, resource and code, in-process and as a Prometheus counter', async () => {
  const registry = new Registry();
  const counter = new RequestCounter(registry);
  counter.record({ verb: 'patch', resource: 'statefulsets' }, '200');
  counter.record({ verb: 'patch', resource: 'statefulsets' }, '200');
  counter.record({ verb: 'create', resource: 'events' }, '201');
  counter.record({ verb: 'list', resource: 'statefulsets' }, '200');
  counter.record({ verb: 'watch', resource: 'statefulsets' }, 'error');
  assert.equal(counter.writes(), 3);
  assert.equal(counter.writes({ resource: 'statefulsets' }), 2);
  assert.equal(counter.total({ verb: 'watch' }), 1);
  assert.equal(counter.total({ code: '200' }), 3);
  assert.equal(counter.total(), 5);
  assert.equal(counter.snapshot().length, 4);
  const exported = await registry.getSingleMetricAsString('rest_client_requests_total');
  assert.match(exported, /rest_client_requests_total\{verb="patch",resource="statefulsets",code="200"\} 2/);
});

test('two counters on one registry share the metric', () => {
  const registry = new Registry();
  new RequestCounter(registry);
  assert.doesNotThrow(() => new RequestCounter(registry));
});
