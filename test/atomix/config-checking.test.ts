// Atomix 3.1 maps atomix.conf onto its config classes and refuses unknown keys. That is what
// makes the other Atomix tests a proof of the rendered configuration: had any rendered key been
// unknown, the nodes would not have started. This shows the check is live in the agent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderCluster, type KubeObject } from '../../src/render/index.js';
import { names } from '../../src/api/names.js';
import { validateCluster } from '../../src/api/validate.js';
import { exampleCluster, mergePatch } from '../support/manifests.js';
import { installAtomix } from './atomix-launcher.js';
import { LocalAtomixCluster } from './local-cluster.js';
import { SUITE_TIMEOUT_MS } from './cluster-fixture.js';

function managementOnlyObjects(): { objects: KubeObject[]; name: string } {
  const result = validateCluster(mergePatch(exampleCluster(), { spec: { partitionGroups: null } }));
  if (!result.ok) throw new Error(`invalid cluster: ${JSON.stringify(result.errors)}`);
  return { objects: renderCluster(result.cluster), name: result.cluster.metadata.name };
}

/** Adds a key to the management group's storage block of the rendered atomix.conf. */
function withStorageKey(objects: KubeObject[], configMap: string, key: string, value: string): KubeObject[] {
  return objects.map((object) => {
    if (object.kind !== 'ConfigMap' || object.metadata.name !== configMap) return object;
    const data = object.data ?? {};
    const config = JSON.parse(data['atomix.conf'] ?? '{}') as { managementGroup: { storage: Record<string, string> } };
    config.managementGroup.storage[key] = value;
    return { ...object, data: { ...data, 'atomix.conf': JSON.stringify(config, null, 2) } };
  });
}

describe('Atomix configuration checking', { timeout: SUITE_TIMEOUT_MS }, () => {
  test('a storage key Atomix does not know stops the node before it joins', async () => {
    const { objects, name } = managementOnlyObjects();
    // maxSegmentSize appears in Atomix's own example reference.conf, but the key is segmentSize.
    const misconfigured = withStorageKey(objects, names.managementConfigMap(name), 'maxSegmentSize', '32M');
    const cluster = await LocalAtomixCluster.start(misconfigured, name, await installAtomix(), { maxRestarts: 0 });
    try {
      const [node] = cluster.nodes;
      assert.ok(node);
      const exit = await node.process.exited;
      assert.equal(exit.code, 1);
      assert.match(readFileSync(node.logPath, 'utf8'), /Unknown properties present in configuration: managementGroup\.storage\.maxSegmentSize/);
    } finally {
      await cluster.stop();
    }
  });
});
