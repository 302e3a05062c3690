import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyObject } from '../../../src/kube/apply.js';
import { needsApply, semanticallyEqual } from '../../../src/kube/diff.js';
import { APPLIED_HASH_ANNOTATION, contentHash, withAppliedHash, withMetadata } from '../../../src/kube/hash.js';
import { applyStatus } from '../../../src/kube/status-apply.js';
import type { ObjectPatcher, RawRequest } from '../../../src/kube/transport.js';
import type { ResourceType } from '../../../src/kube/resources.js';

type Obj = KubernetesObject & Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

/** The value at `path` inside plain JSON; the test fails when a step on the way is missing. */
function valueAt(value: unknown, path: Array<string | number>): unknown {
  let current = value;
  for (const step of path) {
    assert.ok(typeof current === 'object' && current !== null, `no ${path.join('.')}`);
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** The object at `path` inside plain JSON, to edit in place. */
function at(value: unknown, ...path: Array<string | number>): Record<string, unknown> {
  const object = valueAt(value, path);
  assert.ok(typeof object === 'object' && object !== null, `no object at ${path.join('.')}`);
  return object as Record<string, unknown>;
}

/** The list at `path` inside plain JSON, to edit in place. */
function listAt(value: unknown, ...path: Array<string | number>): unknown[] {
  const list = valueAt(value, path);
  assert.ok(Array.isArray(list), `no list at ${path.join('.')}`);
  return list;
}

function desiredStatefulSet(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'demo-data',
      namespace: 'ns',
      labels: { 'app.kubernetes.io/name': 'atomix', 'app.kubernetes.io/instance': 'demo' },
      ownerReferences: [
        { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'demo', uid: 'u-1', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      replicas: 3,
      serviceName: 'demo-data-hs',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'demo' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/instance': 'demo' }, annotations: { 'atomix.io/config-hash': 'abc' } },
        spec: {
          containers: [
            {
              name: 'atomix',
              image: 'atomix/atomix:3.1.0',
              args: ['--config', '/etc/atomix/atomix.conf'],
              ports: [{ name: 'client', containerPort: 5678 }],
              resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/atomix' }],
              readinessProbe: { tcpSocket: { port: 5679 }, periodSeconds: 5 },
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'demo-data-config' } }],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    },
  };
}

/** What the API server returns for `desiredStatefulSet()` after defaulting and normalising. */
function liveStatefulSet(): Obj {
  const live = desiredStatefulSet();
  Object.assign(at(live, 'metadata'), {
    uid: 'sts-uid',
    resourceVersion: '4711',
    generation: 1,
    creationTimestamp: '2025-01-01T00:00:00Z',
    annotations: { 'some.controller/touched': 'yes' },
  });
  Object.assign(at(live, 'spec'), {
    revisionHistoryLimit: 10,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  });
  at(live, 'spec', 'template', 'metadata').creationTimestamp = null;
  Object.assign(at(live, 'spec', 'template', 'spec'), {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  });
  const container = at(live, 'spec', 'template', 'spec', 'containers', 0);
  Object.assign(container, {
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  at(container, 'ports', 0).protocol = 'TCP';
  container.resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } };
  Object.assign(at(container, 'readinessProbe'), { timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  at(live, 'spec', 'template', 'spec', 'volumes', 0, 'configMap').defaultMode = 420;
  const claim = at(live, 'spec', 'volumeClaimTemplates', 0);
  Object.assign(claim, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } });
  at(claim, 'spec').volumeMode = 'Filesystem';
  live.status = { replicas: 3, readyReplicas: 3, observedGeneration: 1 };
  return live;
}

function desiredService(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'demo-data-hs', namespace: 'ns', labels: { app: 'atomix' } },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { app: 'atomix' },
      ports: [{ name: 'node', port: 5679 }],
    },
  };
}

function liveService(): Obj {
  const live = desiredService();
  Object.assign(at(live, 'spec'), {
    clusterIPs: ['None'],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  });
  Object.assign(at(live, 'spec', 'ports', 0), { protocol: 'TCP', targetPort: 5679 });
  live.status = { loadBalancer: {} };
  return live;
}

function desiredPdb(): Obj {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'demo-data', namespace: 'ns' },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'atomix' } } },
  };
}

function livePdb(): Obj {
  const live = desiredPdb();
  at(live, 'metadata').generation = 1;
  live.status = { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, observedGeneration: 1 };
  return live;
}

type Case = { name: string; desired: () => Obj; live: () => Obj | undefined; expected: boolean };
const edit =
  (base: () => Obj, change: (object: Obj) => void): (() => Obj) =>
  () => {
    const object = clone(base());
    change(object);
    return object;
  };

const cases: Case[] = [
  { name: 'missing live object', desired: desiredStatefulSet, live: () => undefined, expected: true },
  { name: 'StatefulSet with server defaults and status', desired: desiredStatefulSet, live: liveStatefulSet, expected: false },
  { name: 'Service with server defaults', desired: desiredService, live: liveService, expected: false },
  { name: 'PDB with status', desired: desiredPdb, live: livePdb, expected: false },
  {
    name: 'quantities normalised by the server (0.5 cpu → 500m, 1024Mi → 1Gi)',
    desired: edit(desiredStatefulSet, (s) => {
      at(s, 'spec', 'template', 'spec', 'containers', 0).resources = { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { memory: 1073741824 } };
      at(s, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests').storage = '1024Mi';
    }),
    live: liveStatefulSet,
    expected: false,
  },
  {
    name: 'a changed quantity',
    desired: edit(desiredStatefulSet, (s) => (at(s, 'spec', 'template', 'spec', 'containers', 0, 'resources', 'requests').memory = '2Gi')),
    live: liveStatefulSet,
    expected: true,
  },
  {
    name: 'quantity-looking strings outside quantity fields are compared as strings',
    desired: edit(desiredService, (s) => (at(s, 'metadata', 'labels').size = '1k')),
    live: edit(liveService, (s) => (at(s, 'metadata', 'labels').size = '1000')),
    expected: true,
  },
  {
    name: 'replicas drifted (someone scaled it)',
    desired: desiredStatefulSet,
    live: edit(liveStatefulSet, (s) => (at(s, 'spec').replicas = 5)),
    expected: true,
  },
  {
    name: 'image changed in desired',
    desired: edit(desiredStatefulSet, (s) => (at(s, 'spec', 'template', 'spec', 'containers', 0).image = 'atomix/atomix:3.1.1')),
    live: liveStatefulSet,
    expected: true,
  },
  {
    name: 'a label removed from live',
    desired: desiredStatefulSet,
    live: edit(liveStatefulSet, (s) => delete at(s, 'metadata', 'labels')['app.kubernetes.io/name']),
    expected: true,
  },
  {
    name: 'extra labels and annotations in live are ignored',
    desired: desiredStatefulSet,
    live: edit(liveStatefulSet, (s) => (at(s, 'metadata', 'labels').team = 'x')),
    expected: false,
  },
  {
    name: 'list order matters',
    desired: edit(desiredStatefulSet, (s) => (at(s, 'spec', 'template', 'spec', 'containers', 0).args = ['b', 'a'])),
    live: edit(liveStatefulSet, (s) => (at(s, 'spec', 'template', 'spec', 'containers', 0).args = ['a', 'b'])),
    expected: true,
  },
  {
    name: 'an extra list element in live',
    desired: desiredService,
    live: edit(liveService, (s) => listAt(s, 'spec', 'ports').push({ name: 'extra', port: 1, protocol: 'TCP', targetPort: 1 })),
    expected: true,
  },
  {
    name: 'a missing list element in live',
    desired: edit(desiredService, (s) => listAt(s, 'spec', 'ports').push({ name: 'client', port: 5678 })),
    live: liveService,
    expected: true,
  },
  {
    name: 'int-or-string is not normalised: 1 differs from "1"',
    desired: edit(desiredPdb, (p) => (at(p, 'spec').maxUnavailable = '1')),
    live: livePdb,
    expected: true,
  },
  {
    name: 'percent maxUnavailable equal',
    desired: edit(desiredPdb, (p) => (at(p, 'spec').maxUnavailable = '34%')),
    live: edit(livePdb, (p) => (at(p, 'spec').maxUnavailable = '34%')),
    expected: false,
  },
  {
    name: 'zero values omitted by the server (false, empty map, empty list)',
    desired: edit(desiredService, (s) => {
      at(s, 'spec').publishNotReadyAddresses = false;
      at(s, 'metadata').annotations = {};
      at(s, 'spec').externalIPs = [];
    }),
    live: edit(liveService, (s) => delete at(s, 'spec').publishNotReadyAddresses),
    expected: false,
  },
  {
    name: 'false in desired against true in live',
    desired: edit(desiredService, (s) => (at(s, 'spec').publishNotReadyAddresses = false)),
    live: liveService,
    expected: true,
  },
  {
    name: 'null in desired (remove) against a present value',
    desired: edit(desiredService, (s) => (at(s, 'spec').sessionAffinity = null)),
    live: liveService,
    expected: true,
  },
  {
    name: 'server metadata, apiVersion and status in desired are ignored',
    desired: edit(desiredPdb, (p) => {
      Object.assign(at(p, 'metadata'), { resourceVersion: '1', uid: 'other' });
      p.apiVersion = 'policy/v1beta1';
      p.status = { disruptionsAllowed: 0 };
    }),
    live: livePdb,
    expected: false,
  },
  {
    name: 'owner reference changed',
    desired: edit(desiredStatefulSet, (s) => (at(s, 'metadata', 'ownerReferences', 0).uid = 'u-2')),
    live: liveStatefulSet,
    expected: true,
  },
  {
    name: 'object in desired where live has a scalar',
    desired: edit(desiredStatefulSet, (s) => (at(s, 'spec').updateStrategy = { type: 'OnDelete' })),
    live: edit(liveStatefulSet, (s) => (at(s, 'spec').updateStrategy = 'broken')),
    expected: true,
  },
  {
    name: 'ConfigMap data differs by one character',
    desired: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { 'atomix.conf': 'a=1\n' } }),
    live: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', uid: 'x' }, data: { 'atomix.conf': 'a=2\n' } }),
    expected: true,
  },
];

for (const { name, desired, live, expected } of cases) {
  test(`needsApply: ${name} → ${String(expected)}`, () => {
    assert.equal(needsApply(desired(), live()), expected);
  });
}

test('semanticallyEqual checks both directions with the same leniency', () => {
  assert.ok(semanticallyEqual({ a: 1, b: [] }, { a: 1 }));
  assert.ok(!semanticallyEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!semanticallyEqual({ a: 1, b: 2 }, { a: 1 }));
  assert.ok(semanticallyEqual({ conditions: [{ type: 'Ready', status: 'True' }] }, { conditions: [{ status: 'True', type: 'Ready' }] }));
});

test('contentHash ignores key order and undefined fields', () => {
  assert.equal(contentHash({ a: 1, b: { c: 2, d: undefined } }), contentHash({ b: { c: 2 }, a: 1 }));
  assert.notEqual(contentHash({ a: [1, 2] }), contentHash({ a: [2, 1] }));
});

test('withAppliedHash stamps a hash that ignores a previous stamp and does not mutate the input', () => {
  const desired = desiredPdb();
  const stamped = withAppliedHash(desired);
  const hash = stamped.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  assert.match(hash ?? '', /^[0-9a-f]{16}$/);
  assert.equal(desired.metadata?.annotations, undefined);
  assert.deepEqual(withAppliedHash(stamped), stamped, 'restamping is stable');
  const changed = edit(desiredPdb, (p) => (at(p, 'spec').maxUnavailable = 2))();
  assert.notEqual(withAppliedHash(changed).metadata?.annotations?.[APPLIED_HASH_ANNOTATION], hash);
});

function recordingPatcher() {
  const calls: Array<{ spec: KubernetesObject; fieldManager?: string; force?: boolean; strategy?: string }> = [];
  const patcher: ObjectPatcher = {
    async patch(spec, _pretty, _dryRun, fieldManager, force, patchStrategy) {
      calls.push({ spec, fieldManager, force, strategy: patchStrategy });
      return withMetadata(spec, { resourceVersion: '1' });
    },
  };
  return { calls, patcher };
}

test('applyObject sends a forced server-side apply with the hash annotation when live is missing', async () => {
  const { calls, patcher } = recordingPatcher();
  const result = await applyObject(patcher, desiredPdb(), { fieldManager: 'atomix-operator' });
  assert.equal(result.applied, true);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.fieldManager, 'atomix-operator');
  assert.equal(calls[0].force, true);
  assert.equal(calls[0].strategy, 'application/apply-patch+yaml');
  assert.ok(calls[0].spec.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]);
});

test('applyObject sends nothing when the live object (as stored after the apply) already matches', async () => {
  const { calls, patcher } = recordingPatcher();
  const first = await applyObject(patcher, desiredPdb(), { fieldManager: 'm' });
  const live = withMetadata(livePdb(), { annotations: first.object.metadata?.annotations });
  const second = await applyObject(patcher, desiredPdb(), { fieldManager: 'm', live });
  assert.equal(second.applied, false);
  assert.equal(second.object, live);
  assert.equal(calls.length, 1);
});

test('applyObject applies when desired dropped a field, thanks to the hash', async () => {
  const { calls, patcher } = recordingPatcher();
  const withExtraLabel = edit(desiredPdb, (p) => (at(p, 'metadata').labels = { extra: 'yes' }));
  const first = await applyObject(patcher, withExtraLabel(), { fieldManager: 'm' });
  const live = { ...livePdb(), metadata: structuredClone(first.object.metadata) };
  assert.equal((await applyObject(patcher, withExtraLabel(), { fieldManager: 'm', live })).applied, false);
  assert.equal((await applyObject(patcher, desiredPdb(), { fieldManager: 'm', live })).applied, true);
  assert.equal(calls.length, 2);
});

test('applyObject without hash stamping relies on the subset check alone', async () => {
  const { calls, patcher } = recordingPatcher();
  const result = await applyObject(patcher, desiredPdb(), { fieldManager: 'm', live: livePdb(), hashAnnotation: false });
  assert.equal(result.applied, false);
  assert.equal(calls.length, 0);
});

const clusters: ResourceType = { group: 'agent.atomix.io', version: 'v1alpha1', kind: 'AtomixCluster', plural: 'atomixclusters', namespaced: true };

test('applyStatus applies the status subresource with SSA and skips an equal live status', async () => {
  const requests: RawRequest[] = [];
  const client = { request: async <T>(request: RawRequest) => (requests.push(request), {} as T) };
  const status = { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] };
  const target = { namespace: 'ns', name: 'demo' };
  assert.deepEqual(await applyStatus(client, clusters, target, status, { fieldManager: 'm' }), { applied: true });
  assert.deepEqual(requests[0], {
    method: 'PATCH',
    path: '/apis/agent.atomix.io/v1alpha1/namespaces/ns/atomixclusters/demo/status',
    query: { fieldManager: 'm', force: true },
    contentType: 'application/apply-patch+yaml',
    body: { apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', metadata: { name: 'demo', namespace: 'ns' }, status },
  });
  const live = { metadata: { name: 'demo' }, status: clone(status) };
  assert.deepEqual(await applyStatus(client, clusters, target, status, { fieldManager: 'm', live }), { applied: false });
  const stale = { metadata: { name: 'demo' }, status: { ...clone(status), message: 'old' } };
  assert.deepEqual(await applyStatus(client, clusters, target, status, { fieldManager: 'm', live: stale }), { applied: true });
  assert.equal(requests.length, 2);
});
