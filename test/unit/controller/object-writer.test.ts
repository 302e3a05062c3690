// The API requests behind the reconciler's writes, against an API that records each request and
// answers as scripted: what is sent (paths, bodies, preconditions, field manager), which answers
// count as done, and which creates and applies are counted per object.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { ObjectWriter, type WriterClient } from '../../../src/controller/object-writer.js';
import { ObjectApi } from '../../../src/kube/object-api.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { withMetadata } from '../../../src/kube/hash.js';
import type { RawRequest } from '../../../src/kube/transport.js';
import type { KubeObject } from '../../../src/render/index.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { exampleCluster } from '../../support/manifests.js';

const FIELD_MANAGER = 'atomix-operator';
const MERGE_PATCH = 'application/merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

/** Records every request; `answer` says what the API server replies (a thrown error is its refusal). */
class ScriptedApi implements WriterClient {
  readonly requests: RawRequest[] = [];
  readonly objects = new ObjectApi(this);
  answer: (request: RawRequest) => unknown = (request) => request.body ?? {};

  async request<T>(request: RawRequest): Promise<T> {
    this.requests.push(request);
    return this.answer(request) as T;
  }

  /** The requests in short: `PATCH /path`. */
  sent(): string[] {
    return this.requests.map((request) => `${request.method} ${request.path}`);
  }
}

function writerFor(api: ScriptedApi) {
  const applied: string[] = [];
  const writer = new ObjectWriter(api, FIELD_MANAGER, { objectApplied: (kind, namespace, name) => applied.push(`${kind} ${namespace}/${name}`) });
  return { writer, applied };
}

const notFound = () => new KubeApiError(404, 'not found', 'NotFound');
const conflict = () => new KubeApiError(409, 'the object has been modified', 'Conflict');
const uidImmutable = () => new KubeApiError(422, 'metadata.uid: Invalid value', 'Invalid', { causes: [{ reason: 'FieldValueInvalid', field: 'metadata.uid' }] });
const refused = (code: number) => () => new KubeApiError(code, `refused with ${String(code)}`);

const configMap = (data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c-config', namespace: 'ns', labels: {} }, data });

function statefulSet(strategy: 'OnDelete' | 'RollingUpdate'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'c-raft', namespace: 'ns', labels: {} },
    spec: { serviceName: 'c-raft-hs', selector: { matchLabels: { app: 'c' } }, template: {}, updateStrategy: { type: strategy } },
  };
}

/** A live StatefulSet as the API server keeps it; `rollingUpdate`: the server's default that a RollingUpdate creation leaves. */
const liveStatefulSet = (rollingUpdate: boolean): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'c-raft', namespace: 'ns', uid: 'sts-uid', resourceVersion: '7' },
    spec: { updateStrategy: { type: rollingUpdate ? 'RollingUpdate' : 'OnDelete', ...(rollingUpdate ? { rollingUpdate: { partition: 0 } } : {}) } },
  }) as KubernetesObject;

describe('namespaceGone', () => {
  const cases: { name: string; answer: () => unknown; gone: boolean }[] = [
    { name: 'a namespace being deleted is gone', answer: () => ({ metadata: { name: 'ns', deletionTimestamp: '2026-12-01T10:00:00Z' } }), gone: true },
    { name: 'a live namespace is not', answer: () => ({ metadata: { name: 'ns' } }), gone: false },
    { name: 'one without metadata is not', answer: () => ({}), gone: false },
    { name: 'a namespace not found is gone', answer: () => Promise.reject(notFound()), gone: true },
    { name: 'one the operator may not read is not (its refused creates tell)', answer: () => Promise.reject(refused(403)()), gone: false },
  ];
  for (const { name, answer, gone } of cases) {
    test(name, async () => {
      const api = new ScriptedApi();
      api.answer = answer;
      assert.equal(await writerFor(api).writer.namespaceGone('ns'), gone);
      assert.deepEqual(api.sent(), ['GET /api/v1/namespaces/ns']);
    });
  }

  test('is asked once per namespace within five seconds, then again', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const api = new ScriptedApi();
    api.answer = () => ({ metadata: {} });
    const { writer } = writerFor(api);
    await writer.namespaceGone('a');
    await writer.namespaceGone('b');
    t.mock.timers.tick(4_999);
    await writer.namespaceGone('a');
    assert.deepEqual(api.sent(), ['GET /api/v1/namespaces/a', 'GET /api/v1/namespaces/b'], 'the answer for a is reused; b is its own namespace');
    t.mock.timers.tick(1);
    api.answer = () => ({ metadata: { deletionTimestamp: '2026-12-01T10:00:00Z' } });
    assert.equal(await writer.namespaceGone('a'), true, 'after five seconds the namespace is asked about again');
    assert.equal(await writer.namespaceGone('a'), true, 'and the new answer is the one reused');
    assert.equal(api.requests.length, 3);
  });
});

describe('create', () => {
  test('applies with force a create that fails on any existing object, counted once created', async () => {
    const api = new ScriptedApi();
    const { writer, applied } = writerFor(api);
    const result = await writer.writer.create(configMap({ a: '1' }));
    assert.equal(result.created, true);
    assert.deepEqual(api.sent(), ['PATCH /api/v1/namespaces/ns/configmaps/c-config']);
    assert.deepEqual(api.requests[0]?.query, { pretty: undefined, dryRun: undefined, fieldManager: FIELD_MANAGER, force: true });
    assert.equal(api.requests[0].contentType, APPLY_PATCH);
    assert.deepEqual(applied, ['ConfigMap ns/c-config']);
  });

  test('leaves an existing object of the name alone, uncounted', async () => {
    const api = new ScriptedApi();
    api.answer = () => Promise.reject(conflict());
    const { writer, applied } = writerFor(api);
    assert.deepEqual(await writer.writer.create(configMap({ a: '1' })), { created: false });
    assert.deepEqual(applied, []);
  });

  test('passes on any other refusal', async () => {
    const api = new ScriptedApi();
    api.answer = () => Promise.reject(refused(403)());
    await assert.rejects(writerFor(api).writer.writer.create(configMap({ a: '1' })), { message: 'refused with 403' });
  });

  test('works without metrics', async () => {
    const api = new ScriptedApi();
    const result = await new ObjectWriter(api, FIELD_MANAGER, undefined).writer.create(configMap({ a: '1' }));
    assert.equal(result.created, true);
  });
});

describe('update', () => {
  test('applies onto the object inspected (its uid), counted, and returns the server’s answer', async () => {
    const api = new ScriptedApi();
    api.answer = () => ({ metadata: { name: 'c-config', resourceVersion: '8' } });
    const { writer, applied } = writerFor(api);
    const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c-config', namespace: 'ns', uid: 'cm-uid', resourceVersion: '7' }, data: { a: '0' } };
    const written = await writer.writer.update(configMap({ a: '1' }), live);
    assert.deepEqual(written, { metadata: { name: 'c-config', resourceVersion: '8' } });
    assert.deepEqual(api.sent(), ['PATCH /api/v1/namespaces/ns/configmaps/c-config']);
    assert.equal((api.requests[0]?.body as KubernetesObject).metadata?.uid, 'cm-uid');
    assert.equal(api.requests[0]?.query?.['fieldManager'], FIELD_MANAGER);
    assert.deepEqual(applied, ['ConfigMap ns/c-config']);
  });

  test('sends nothing and counts nothing when the live object already matches', async () => {
    const api = new ScriptedApi();
    const { writer, applied } = writerFor(api);
    const first = await writer.writer.create(configMap({ a: '1' }));
    assert.ok(first.created);
    const live = withMetadata(first.object, { uid: 'cm-uid' });
    api.requests.length = 0;
    applied.length = 0;
    assert.equal(await writer.writer.update(configMap({ a: '1' }), live), live);
    assert.deepEqual(api.requests, []);
    assert.deepEqual(applied, []);
  });

  test('first drops the server’s rollingUpdate default from a StatefulSet switched to OnDelete, bound to its uid', async () => {
    const api = new ScriptedApi();
    await writerFor(api).writer.writer.update(statefulSet('OnDelete'), liveStatefulSet(true));
    assert.deepEqual(api.sent(), ['PATCH /apis/apps/v1/namespaces/ns/statefulsets/c-raft', 'PATCH /apis/apps/v1/namespaces/ns/statefulsets/c-raft']);
    assert.deepEqual(api.requests[0], {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/ns/statefulsets/c-raft',
      query: { fieldManager: FIELD_MANAGER },
      contentType: MERGE_PATCH,
      body: { metadata: { uid: 'sts-uid' }, spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } },
    });
    assert.equal(api.requests[1]?.contentType, APPLY_PATCH);
  });

  const applyOnly: { name: string; desired: KubeObject; live: KubernetesObject }[] = [
    { name: 'a StatefulSet already without rollingUpdate', desired: statefulSet('OnDelete'), live: liveStatefulSet(false) },
    { name: 'a StatefulSet that stays on RollingUpdate', desired: statefulSet('RollingUpdate'), live: liveStatefulSet(true) },
    {
      name: 'an object of another kind, whatever its spec says',
      desired: { ...statefulSet('OnDelete'), apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'c-raft', namespace: 'ns', labels: {} } } as KubeObject,
      live: { ...liveStatefulSet(true), apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
    },
  ];
  for (const { name, desired, live } of applyOnly) {
    test(`only applies ${name}`, async () => {
      const api = new ScriptedApi();
      await writerFor(api).writer.writer.update(desired, live);
      assert.deepEqual(api.requests.map((request) => request.contentType), [APPLY_PATCH]);
    });
  }
});

describe('read', () => {
  test('gets the object of an owned kind by name', async () => {
    const api = new ScriptedApi();
    api.answer = () => ({ metadata: { name: 'c-raft', managedFields: [{ manager: 'kubectl' }] } });
    const found = await writerFor(api).writer.writer.read('StatefulSet', 'ns', 'c-raft');
    assert.deepEqual(found, { metadata: { name: 'c-raft', managedFields: [{ manager: 'kubectl' }] } });
    assert.deepEqual(api.requests, [{ method: 'GET', path: '/apis/apps/v1/namespaces/ns/statefulsets/c-raft' }]);
  });

  test('is undefined when there is none', async () => {
    const api = new ScriptedApi();
    api.answer = () => Promise.reject(notFound());
    assert.equal(await writerFor(api).writer.writer.read('Service', 'ns', 'c-hs'), undefined);
  });

  test('passes on other failures', async () => {
    const api = new ScriptedApi();
    api.answer = () => Promise.reject(refused(500)());
    await assert.rejects(writerFor(api).writer.writer.read('Service', 'ns', 'c-hs'), { message: 'refused with 500' });
  });
});

describe('remove', () => {
  const object = (uid?: string): KubernetesObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c-hs', namespace: 'ns', ...(uid ? { uid } : {}) } });

  test('deletes exactly the object given, in the background by default', async () => {
    const api = new ScriptedApi();
    await writerFor(api).writer.writer.remove(object('svc-uid'));
    assert.deepEqual(api.requests, [
      {
        method: 'DELETE',
        path: '/api/v1/namespaces/ns/services/c-hs',
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'svc-uid' } },
      },
    ]);
  });

  test('orphans the dependents when asked, and without a uid sends no precondition', async () => {
    const api = new ScriptedApi();
    await writerFor(api).writer.writer.remove(object(), 'Orphan');
    assert.deepEqual(api.requests[0]?.body, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan' });
  });

  test('deletes a member’s pod by its uid', async () => {
    const api = new ScriptedApi();
    await writerFor(api).writer.deletePod({ metadata: { name: 'c-raft-2', namespace: 'ns', uid: 'pod-uid' } });
    assert.deepEqual(api.requests, [
      {
        method: 'DELETE',
        path: '/api/v1/namespaces/ns/pods/c-raft-2',
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'pod-uid' } },
      },
    ]);
  });

  const done: { name: string; error: () => Error }[] = [
    { name: 'gone already', error: notFound },
    { name: 'replaced and gone (409)', error: conflict },
    { name: 'replaced by another of the name (422 on metadata.uid)', error: uidImmutable },
  ];
  for (const { name, error } of done) {
    test(`is done when the object is ${name}`, async () => {
      const api = new ScriptedApi();
      api.answer = () => Promise.reject(error());
      await writerFor(api).writer.writer.remove(object('svc-uid'));
      assert.equal(api.requests.length, 1);
    });
  }

  const failures: { name: string; error: () => Error }[] = [
    { name: 'a refusal', error: refused(403) },
    { name: 'an invalid request about another field', error: () => new KubeApiError(422, 'invalid', 'Invalid', { causes: [{ field: 'spec' }] }) },
  ];
  for (const { name, error } of failures) {
    test(`passes on ${name}`, async () => {
      const api = new ScriptedApi();
      const thrown = error();
      api.answer = () => Promise.reject(thrown);
      await assert.rejects(writerFor(api).writer.writer.remove(object('svc-uid')), thrown);
    });
  }

  test('refuses a kind the operator does not own', async () => {
    const api = new ScriptedApi();
    await assert.rejects(writerFor(api).writer.writer.remove({ kind: 'Secret', metadata: { name: 's', namespace: 'ns' } }), {
      message: 'the operator does not own objects of kind Secret',
    });
    assert.deepEqual(api.requests, []);
  });
});

describe('claims', () => {
  const claim: V1PersistentVolumeClaim = { metadata: { name: 'data-c-raft-0', namespace: 'ns', uid: 'pvc-uid' }, spec: { resources: { requests: { storage: '1Gi' } } } };

  test('a claim is read by name', async () => {
    const api = new ScriptedApi();
    api.answer = () => claim;
    assert.equal(await writerFor(api).writer.writer.readClaim('ns', 'data-c-raft-0'), claim);
    assert.deepEqual(api.requests, [{ method: 'GET', path: '/api/v1/namespaces/ns/persistentvolumeclaims/data-c-raft-0' }]);
  });

  test('a missing claim is undefined, other failures pass on', async () => {
    const api = new ScriptedApi();
    const { writer } = writerFor(api);
    api.answer = () => Promise.reject(notFound());
    assert.equal(await writer.writer.readClaim('ns', 'data-c-raft-0'), undefined);
    api.answer = () => Promise.reject(refused(403)());
    await assert.rejects(writer.writer.readClaim('ns', 'data-c-raft-0'), { message: 'refused with 403' });
  });

  test('a resize is a merge patch of the request alone, bound to the claim read', async () => {
    const api = new ScriptedApi();
    await writerFor(api).writer.writer.resizeClaim(claim, '2Gi');
    assert.deepEqual(api.requests, [
      {
        method: 'PATCH',
        path: '/api/v1/namespaces/ns/persistentvolumeclaims/data-c-raft-0',
        contentType: MERGE_PATCH,
        body: { metadata: { uid: 'pvc-uid' }, spec: { resources: { requests: { storage: '2Gi' } } } },
      },
    ]);
  });
});

describe('writeStatus', () => {
  const cluster: AtomixCluster = exampleCluster(undefined, 'ns');
  const status = { readyGroups: '0/2' };

  test('applies the status subresource with the field manager and gives the new resourceVersion', async () => {
    const api = new ScriptedApi();
    api.answer = () => ({ metadata: { resourceVersion: '42' } });
    assert.deepEqual(await writerFor(api).writer.writer.writeStatus(cluster, status), { resourceVersion: '42' });
    assert.deepEqual(api.sent(), [`PATCH /apis/agent.atomix.io/v1alpha1/namespaces/ns/atomixclusters/${cluster.metadata.name}/status`]);
    assert.equal(api.requests[0]?.query?.['fieldManager'], FIELD_MANAGER);
    assert.deepEqual((api.requests[0].body as { status: unknown }).status, status);
  });

  test('gives no resourceVersion when the answer has none', async () => {
    const api = new ScriptedApi();
    api.answer = () => ({ metadata: {} });
    assert.deepEqual(await writerFor(api).writer.writer.writeStatus(cluster, status), {});
  });
});
