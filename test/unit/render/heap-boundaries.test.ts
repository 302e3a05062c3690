// -Xmx at the edges of the heap rule: half the memory in whole MiB, rounded down, never below
// the 64 MiB Atomix needs to start; and a memory figure that is no quantity leaves the image's
// defaults alone rather than failing the render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapEnv } from '../../../src/render/jvm.js';

const MIB = 2 ** 20;
const HEAPS: readonly (readonly [memory: string | number, heap: string])[] = [
  ['1Mi', '-Xmx64m'],
  ['128Mi', '-Xmx64m'],
  [129 * MIB, '-Xmx64m'],
  [130 * MIB, '-Xmx65m'],
  [130 * MIB - 1, '-Xmx64m'],
  ['3Gi', '-Xmx1536m'],
  ['1.5G', '-Xmx715m'],
];

test('the heap is half the memory in whole MiB, rounded down, at least 64 MiB', () => {
  for (const [memory, heap] of HEAPS) {
    assert.deepEqual(heapEnv('3.1.0', [], { limits: { memory } }), [{ name: 'JAVA_OPTS', value: heap }], String(memory));
  }
});

test('a memory figure that is no quantity sets no heap', () => {
  assert.deepEqual(heapEnv('3.1.12', [], { limits: { memory: 'plenty' } }), []);
  assert.deepEqual(heapEnv('3.1.12', [], { requests: { memory: '' } }), []);
});
