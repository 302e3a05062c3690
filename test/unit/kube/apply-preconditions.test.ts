// The preconditions of applyObject and createObject: only ever the object inspected, never a takeover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyObject, createObject, isUidPreconditionFailure } from '../../../src/kube/apply.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { APPLIED_HASH_ANNOTATION } from '../../../src/kube/hash.js';
import type { ObjectPatcher } from '../../../src/kube/transport.js';

type Call = { spec: KubernetesObject; fieldManager: string | undefined; force: boolean | undefined; strategy: string | undefined };

function patcher(answer: (spec: KubernetesObject) => Promise<KubernetesObject> = (spec) => Promise.resolve(spec)) {
  const calls: Call[] = [];
  const client: ObjectPatcher = {
    patch(spec, _pretty, _dryRun, fieldManager, force, strategy) {
      calls.push({ spec, fieldManager, force, strategy });
      return answer(spec) as Promise<never>;
    },
  };
  return { calls, client };
}

const configMap = (data: Record<string, string>, metadata: Record<string, string> = {}): KubernetesObject & { data: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns', ...metadata },
  data,
});

/** The metadata of the object sent by the first call. */
const sentMetadata = (calls: Call[]) => calls[0]?.spec.metadata ?? {};

test('applyObject onto a stale live object carries its uid as a precondition', async () => {
  const { calls, client } = patcher();
  const live = configMap({ a: '1' }, { uid: 'live-uid', resourceVersion: '7' });
  const result = await applyObject(client, configMap({ a: '2' }), { fieldManager: 'm', live });
  assert.equal(result.applied, true);
  assert.equal(sentMetadata(calls).uid, 'live-uid');
  assert.equal(sentMetadata(calls).resourceVersion, undefined, 'no resourceVersion precondition');
});

test('applyObject onto a live object without a uid sends none', async () => {
  const { calls, client } = patcher();
  await applyObject(client, configMap({ a: '2' }), { fieldManager: 'm', live: configMap({ a: '1' }) });
  assert.equal(calls.length, 1);
  assert.equal(sentMetadata(calls).uid, undefined);
});

test('applyObject onto a live object without metadata sends no uid', async () => {
  const { calls, client } = patcher();
  await applyObject(client, configMap({ a: '2' }), { fieldManager: 'm', live: { apiVersion: 'v1', kind: 'ConfigMap' } });
  assert.equal(calls.length, 1);
  assert.equal(sentMetadata(calls).uid, undefined);
});

test('applyObject stamps the hash under the annotation it is given', async () => {
  const { calls, client } = patcher();
  await applyObject(client, configMap({ a: '1' }), { fieldManager: 'm', hashAnnotation: 'example.com/hash' });
  const annotations = sentMetadata(calls).annotations ?? {};
  assert.match(annotations['example.com/hash'] ?? '', /^[0-9a-f]{16}$/);
  assert.equal(annotations[APPLIED_HASH_ANNOTATION], undefined);
});

test('applyObject returns what the server answered', async () => {
  const answer = configMap({ a: '1' }, { uid: 'new', resourceVersion: '1' });
  const { client } = patcher(() => Promise.resolve(answer));
  assert.equal((await applyObject(client, configMap({ a: '1' }), { fieldManager: 'm' })).object, answer);
});

const uidCause = { causes: [{ field: 'metadata.uid', message: 'field is immutable' }] };
const failures: Array<{ name: string; error: unknown; expected: boolean }> = [
  { name: '409 Conflict (no object of the name any more)', error: new KubeApiError(409, 'conflict', 'Conflict'), expected: true },
  { name: '422 on metadata.uid (another object of the name)', error: new KubeApiError(422, 'invalid', 'Invalid', uidCause), expected: true },
  { name: '422 on metadata.uid among other causes', error: new KubeApiError(422, 'invalid', 'Invalid', { causes: [{ field: 'spec' }, ...uidCause.causes] }), expected: true },
  { name: '422 on another field', error: new KubeApiError(422, 'invalid', 'Invalid', { causes: [{ field: 'spec.replicas' }] }), expected: false },
  { name: '422 without details', error: new KubeApiError(422, 'invalid'), expected: false },
  { name: '422 with no causes', error: new KubeApiError(422, 'invalid', 'Invalid', {}), expected: false },
  { name: 'a client-node error with code 409', error: { code: 409 }, expected: true },
  { name: 'a 422-coded object that is no KubeApiError', error: { code: 422, details: uidCause }, expected: false },
  { name: '500 naming metadata.uid', error: new KubeApiError(500, 'boom', undefined, uidCause), expected: false },
  { name: 'a network failure', error: new Error('ECONNRESET'), expected: false },
];

for (const { name, error, expected } of failures) {
  test(`isUidPreconditionFailure: ${name} → ${String(expected)}`, () => {
    assert.equal(isUidPreconditionFailure(error), expected);
  });
}

test('createObject applies with an impossible resourceVersion, so it never takes over an existing object', async () => {
  const answer = configMap({ a: '1' }, { uid: 'new' });
  const { calls, client } = patcher(() => Promise.resolve(answer));
  assert.deepEqual(await createObject(client, configMap({ a: '1' }), { fieldManager: 'creator' }), { created: true, object: answer });
  assert.deepEqual(
    { fieldManager: calls[0]?.fieldManager, force: calls[0]?.force, strategy: calls[0]?.strategy },
    { fieldManager: 'creator', force: true, strategy: 'application/apply-patch+yaml' },
  );
  assert.equal(sentMetadata(calls).resourceVersion, '18446744073709551615');
  assert.match(sentMetadata(calls).annotations?.[APPLIED_HASH_ANNOTATION] ?? '', /^[0-9a-f]{16}$/);
});

test('createObject reports an existing object (409) as not created, and passes other failures on', async () => {
  const conflict = patcher(() => Promise.reject(new KubeApiError(409, 'exists', 'Conflict')));
  assert.deepEqual(await createObject(conflict.client, configMap({ a: '1' }), { fieldManager: 'm' }), { created: false });
  const forbidden = patcher(() => Promise.reject(new KubeApiError(403, 'forbidden', 'Forbidden')));
  await assert.rejects(createObject(forbidden.client, configMap({ a: '1' }), { fieldManager: 'm' }), /forbidden/);
});
