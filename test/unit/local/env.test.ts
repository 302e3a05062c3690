import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv, processEnv, type EnvSources } from '../../../src/local/node/env.js';
import { kubernetesServiceVariables } from '../../../src/local/node/service-env.js';

const pod: V1Pod = {
  metadata: { name: 'c-raft-0', namespace: 'ns1', uid: 'uid-1', labels: { app: 'c', group: 'raft' }, annotations: { note: 'say "hi"' } },
  spec: { nodeName: 'local-node-2', serviceAccountName: 'atomix', containers: [] },
};
const addresses = { podIP: '10.244.0.7', hostIP: '127.0.0.1' };
const node = { cpu: '32', memory: '128Gi', 'ephemeral-storage': '1Ti' };
const sources: EnvSources = {
  services: new Map(),
  configMap: (name) => (name === 'settings' ? { LEVEL: 'INFO', 'not valid!': 'x', JAVA_OPTS: '-Xmx1g' } : undefined),
  secret: (name) => (name === 'creds' ? { password: 's3cret' } : undefined),
};

function envOf(container: Partial<V1Container>): Record<string, string> {
  const result = containerEnv(pod, { name: 'atomix', ...container }, addresses, sources, node);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return Object.fromEntries(result.env);
}

function errorOf(container: Partial<V1Container>): string {
  const result = containerEnv(pod, { name: 'atomix', ...container }, addresses, sources, node);
  assert.ok(!result.ok);
  return `${result.reason}: ${result.message}`;
}

test('fieldRef resolves the downward-API fields', () => {
  const fields = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['group']", "metadata.annotations['note']",
    "metadata.labels['missing']", 'spec.nodeName', 'spec.serviceAccountName', 'status.podIP', 'status.podIPs', 'status.hostIP'];
  const env = envOf({ env: fields.map((fieldPath, i) => ({ name: `V${i}`, valueFrom: { fieldRef: { fieldPath } } })) });
  assert.deepEqual(Object.values(env), ['c-raft-0', 'ns1', 'uid-1', 'raft', 'say "hi"', '', 'local-node-2', 'atomix', '10.244.0.7', '10.244.0.7', '127.0.0.1']);
});

test('values expand variables defined before them, not after, and keep unknown ones verbatim', () => {
  const env = envOf({
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'ADDRESS', value: '$(POD_NAME).svc:5679' },
      { name: 'EARLY', value: '$(LATE)' },
      { name: 'LATE', value: 'late' },
      { name: 'ESCAPED', value: '$$(POD_NAME)' },
      { name: 'EMPTY' },
    ],
  });
  assert.deepEqual(env, { POD_NAME: 'c-raft-0', ADDRESS: 'c-raft-0.svc:5679', EARLY: '$(LATE)', LATE: 'late', ESCAPED: '$(POD_NAME)', EMPTY: '' });
});

test('a later definition of a name wins', () => {
  assert.deepEqual(envOf({ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2$(A)' }] }), { A: '21' });
});

test('envFrom comes first, with its prefix, skipping invalid names; env overrides it and can refer to it', () => {
  const env = envOf({
    envFrom: [{ configMapRef: { name: 'settings' } }, { prefix: 'S_', secretRef: { name: 'creds' } }, { configMapRef: { name: 'gone', optional: true } }],
    env: [{ name: 'LEVEL', value: 'DEBUG-$(LEVEL)' }],
  });
  assert.deepEqual(env, { LEVEL: 'DEBUG-INFO', JAVA_OPTS: '-Xmx1g', S_password: 's3cret' });
});

test('configMapKeyRef and secretKeyRef read keys; optional missing ones define nothing', () => {
  const env = envOf({
    env: [
      { name: 'L', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LEVEL' } } },
      { name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'O1', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x', optional: true } } },
      { name: 'O2', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
    ],
  });
  assert.deepEqual(env, { L: 'INFO', P: 's3cret' });
});

test('missing required references are CreateContainerConfigError with the kubelet’s message', () => {
  assert.equal(errorOf({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'a' } } }] }), 'CreateContainerConfigError: configmap "gone" not found');
  assert.equal(errorOf({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'a' } } }] }), "CreateContainerConfigError: couldn't find key a in Secret ns1/creds");
  assert.equal(errorOf({ envFrom: [{ secretRef: { name: 'gone' } }] }), 'CreateContainerConfigError: secret "gone" not found');
});

test('resourceFieldRef divides and rounds up; a missing limit is the node’s allocatable', () => {
  const env = envOf({
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m' } },
    env: [
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    ],
  });
  assert.deepEqual(env, { MEM_MI: '512', CPU: '1', CPU_M: '250', CPU_LIMIT: '32' });
});

test('the image ENV lies underneath the container’s variables', () => {
  assert.deepEqual(processEnv({ PATH: '/usr/bin', JAVA_OPTS: '-XX:+UseG1GC' }, new Map([['JAVA_OPTS', '-Xmx256m']])), {
    PATH: '/usr/bin',
    JAVA_OPTS: '-Xmx256m',
  });
});

test('every container starts with the kubernetes Service variables, which env may use and override', () => {
  const services = kubernetesServiceVariables({ host: '10.200.0.1', port: 443 });
  const result = containerEnv(pod, { name: 'atomix', env: [{ name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' }, { name: 'KUBERNETES_PORT', value: 'mine' }] }, addresses, { ...sources, services }, node);
  assert.ok(result.ok);
  assert.deepEqual(Object.fromEntries(result.env), {
    KUBERNETES_SERVICE_HOST: '10.200.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'mine',
    KUBERNETES_PORT_443_TCP: 'tcp://10.200.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.200.0.1',
    API: 'https://10.200.0.1:443',
  });
  assert.equal(kubernetesServiceVariables(undefined).size, 0);
});
