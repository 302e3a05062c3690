// `render`'s output: one YAML document per object, in order, that kubectl reads back as the
// objects; a long value (a pod's start command, an annotation) stays on its line, so the output
// can be searched and compared line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { renderCluster } from '../../../src/render/index.js';
import { toYamlDocuments } from '../../../src/render/yaml.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

test('each object is one document, in the given order, read back as it was', () => {
  const objects = renderCluster(validCluster(EVERY_GROUP));
  const documents = parseAllDocuments(toYamlDocuments(objects));
  assert.equal(documents.length, objects.length);
  assert.deepEqual(documents.map((document) => document.toJS() as unknown), objects);
});

test('documents are separated by a "---" line', () => {
  assert.equal(toYamlDocuments([{ kind: 'A' }, { kind: 'B' }]), 'kind: A\n---\nkind: B\n');
});

test('a long value is never folded onto a second line', () => {
  const value = Array.from({ length: 30 }, (_, index) => `word${String(index)}`).join(' ');
  assert.equal(toYamlDocuments([{ metadata: { annotations: { note: value } } }]), `metadata:\n  annotations:\n    note: ${value}\n`);
});
