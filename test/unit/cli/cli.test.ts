import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../../support/manifests.js';
import { customResourceDefinition } from '../../../src/api/crd.js';

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, [`${repoRoot}/bin/atomix-operator.js`, ...args], { input, encoding: 'utf8', cwd: repoRoot });

describe('atomix-operator render', () => {
  test('prints every object of the README example as multi-document YAML', () => {
    const result = cli(['render', '-f', 'deploy/crds/atomixcluster_cr.yaml']);
    assert.equal(result.status, 0, result.stderr);
    const kinds = parseAllDocuments(result.stdout).map((d) => `${String(d.get('kind'))}/${(d.toJS() as { metadata: { name: string } }).metadata.name}`);
    assert.equal(kinds.length, 8);
    assert.ok(kinds.includes('StatefulSet/example-atomixcluster-raft'));
  });

  test('reads stdin with -f - and honours --cluster-domain', () => {
    const manifest = readFileSync(`${repoRoot}/deploy/crds/atomixcluster_cr.yaml`, 'utf8');
    const result = cli(['render', '-f', '-', '--cluster-domain', 'example.org'], manifest);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /example-atomixcluster-service\.default\.svc\.example\.org/);
  });

  test('rejects an invalid manifest naming every problem, and prints nothing to stdout', () => {
    const manifest = stringify({
      apiVersion: 'agent.atomix.io/v1alpha1',
      kind: 'AtomixCluster',
      metadata: { name: 'bad' },
      spec: { managementGroup: { size: 0 }, partitionGroups: [{ name: 'system', raft: {} }] },
    });
    const result = cli(['render', '-f', '-'], manifest);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /- \(document 1\): spec\.managementGroup\.size: must be >= 1/);
    assert.match(result.stderr, /spec\.partitionGroups\[0\]\.name: name must not be one of system/);
  });

  test('rejects a file that is not YAML or holds no AtomixCluster', () => {
    assert.match(cli(['render', '-f', '-'], 'a: [b').stderr, /invalid YAML/);
    assert.match(cli(['render', '-f', '-'], '').stderr, /no AtomixCluster found/);
  });

  test('with --previous, refuses what the API server would refuse of the change, and renders what it would take', () => {
    const previous = `${repoRoot}/deploy/crds/atomixcluster_cr.yaml`;
    const example = readFileSync(previous, 'utf8');
    const resized = cli(['render', '-f', '-', '--previous', previous], example.replace(/size: 3/, 'size: 5'));
    assert.equal(resized.status, 1);
    assert.equal(resized.stdout, '');
    assert.match(resized.stderr, /^- \(document 1\): spec\.partitionGroups\[0\]\.size: .*new name/m);
    const upgraded = cli(['render', '-f', '-', '--previous', previous], example.replace('version: 3.1.0', 'version: 3.1.12'));
    assert.equal(upgraded.status, 1);
    assert.match(upgraded.stderr, /spec\.version: .*FullRestart/);
    const restarted = cli(['render', '-f', '-', '--previous', previous], example.replace('version: 3.1.0', 'version: 3.1.12\n  updateStrategy: FullRestart'));
    assert.equal(restarted.status, 0, restarted.stderr);
    assert.match(restarted.stdout, /image: atomix\/atomix:3\.1\.12/);
    assert.equal(cli(['render', '-f', '-', '--previous', previous], example.replace('version: 3.1.0', 'version: 3.1.5')).status, 0, 'the same side of the line');
  });

  test('every command has help', () => {
    for (const command of [[], ['render'], ['crd']]) {
      const result = cli([...command, '--help']);
      assert.equal(result.status, 0);
      assert.match(result.stdout, /Usage: atomix-operator/);
    }
  });
});

describe('the CRD', () => {
  test('atomix-operator crd prints the generated CustomResourceDefinition', () => {
    const result = cli(['crd']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, stringify(customResourceDefinition(), { lineWidth: 0 }));
  });
});
