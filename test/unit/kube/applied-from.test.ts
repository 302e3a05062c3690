// isAppliedFrom: whether a live object carries the hash of the desired object as it is now,
// which the rollout and the refusal checks use to tell a StatefulSet the cache shows applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { APPLIED_HASH_ANNOTATION, isAppliedFrom, withAppliedHash, withMetadata } from '../../../src/kube/hash.js';

const desired: KubernetesObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
const withData = (data: Record<string, string>) => ({ ...desired, data });

test('a live object stamped from the desired one, with fields the server added, was applied from it', () => {
  const live = { ...withMetadata(withAppliedHash(withData({ a: '1' })), { resourceVersion: '7', uid: 'u' }), status: { observed: true } };
  assert.equal(isAppliedFrom(live, withData({ a: '1' })), true);
});

test('a live object stamped from an earlier desired object was not', () => {
  assert.equal(isAppliedFrom(withAppliedHash(withData({ a: '1' })), withData({ a: '2' })), false);
});

test('a live object without the annotation, or without metadata, was not', () => {
  assert.equal(isAppliedFrom(withData({ a: '1' }), withData({ a: '1' })), false);
  assert.equal(isAppliedFrom({ kind: 'ConfigMap' }, withData({ a: '1' })), false);
  assert.equal(isAppliedFrom({ ...desired, metadata: { annotations: { other: 'x' } } }, desired), false);
});

test('the hash is read from the applied-hash annotation only', () => {
  const stamped = withAppliedHash(desired);
  const hash = stamped.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  assert.ok(hash);
  assert.equal(isAppliedFrom({ ...desired, metadata: { annotations: { [APPLIED_HASH_ANNOTATION]: hash } } }, desired), true);
  assert.equal(isAppliedFrom({ ...desired, metadata: { annotations: { 'other/hash': hash } } }, desired), false);
});
