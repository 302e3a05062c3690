// The generated CustomResourceDefinition is a structural schema the API server takes: no
// `additionalProperties: false`, no TypeBox symbols, no defaulted field in `required`, and the
// rules and identity of the AtomixCluster API.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { repoRoot } from '../../support/manifests.js';
import { customResourceDefinition } from '../../../src/api/crd.js';
import { clusterNameRules } from '../../../src/api/schema.js';
import { ATOMIX_VERSIONS } from '../../../src/api/versions.js';

interface Node {
  [key: string]: unknown;
  properties?: Partial<Record<string, Node>>;
  items?: Node;
  required?: string[];
}

const crd = customResourceDefinition();
const version = crd.spec.versions[0];
assert.ok(version);
const root = version.schema.openAPIV3Schema as Node;

/** The schema node at a path of property names, "[]" for a list's items. */
function at(node: Node, ...path: string[]): Node {
  return path.reduce((here, key) => {
    const next = key === '[]' ? here.items : here.properties?.[key];
    assert.ok(next, `no ${key} in the schema`);
    return next;
  }, node);
}

const spec = at(root, 'spec');
const group = at(spec, 'partitionGroups', '[]');

/** Every object node of the schema, with its path. */
function* nodes(node: unknown, path = ''): Generator<[string, Record<string | symbol, unknown>]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* nodes(item, `${path}[${String(index)}]`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  yield [path, node as Record<string | symbol, unknown>];
  for (const [key, child] of Object.entries(node)) yield* nodes(child, `${path}.${key}`);
}

describe('the CRD schema is structural', () => {
  test('no node closes its properties with additionalProperties: false, and value schemas of maps stay', () => {
    for (const [path, node] of nodes(root)) assert.notEqual(node['additionalProperties'], false, path);
    const limits = at(group, 'resources', 'limits');
    assert.deepEqual((limits['additionalProperties'] as Node)['anyOf'], [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(typeof at(group, 'labels')['additionalProperties'], 'object');
  });

  test('no node carries TypeBox\'s symbol keys, and the schema survives JSON as it is', () => {
    for (const [path, node] of nodes(root)) assert.deepEqual(Object.getOwnPropertySymbols(node), [], path);
    assert.deepEqual(JSON.parse(JSON.stringify(crd)), crd);
  });

  test('required names only fields without a default, each a property of its node, and is never empty', () => {
    for (const [path, node] of nodes(root)) {
      const required = node['required'];
      if (required === undefined) continue;
      assert.ok(Array.isArray(required) && required.length > 0, path);
      const properties = node['properties'] as Record<string, Node>;
      for (const name of required as string[]) assert.equal(properties[name]?.['default'], undefined, `${path}.${name}`);
    }
  });

  test('the required fields as the API server checks them', () => {
    assert.deepEqual(root.required, ['spec']);
    assert.equal(spec.required, undefined, 'every spec field has a default or is optional');
    assert.deepEqual(group.required, ['name']);
    assert.equal(at(spec, 'managementGroup').required, undefined);
    assert.equal(at(group, 'raft', 'storage').required, undefined);
    assert.deepEqual(at(group, 'env', '[]').required, ['name']);
    assert.deepEqual(at(group, 'topologySpreadConstraints', '[]').required, ['maxSkew', 'topologyKey', 'whenUnsatisfiable']);
    assert.deepEqual(at(root, 'status', 'conditions', '[]').required, ['type', 'status', 'reason', 'message', 'lastTransitionTime']);
  });

  test('the root object names its identity fields, the spec and the status', () => {
    assert.equal(root['type'], 'object');
    assert.deepEqual(Object.keys(root.properties ?? {}), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(at(root, 'apiVersion'), { type: 'string' });
    assert.deepEqual(at(root, 'kind'), { type: 'string' });
    assert.equal(at(root, 'status', 'readyGroups')['type'], 'string');
  });

  test('false and empty values other than additionalProperties stay', () => {
    assert.equal(at(group, 'raft', 'storage', 'flushOnCommit')['default'], false);
    assert.deepEqual(at(spec, 'managementGroup', 'storage')['default'], {});
  });

  test('lists stay lists: enums, list-map keys, defaults', () => {
    assert.deepEqual(at(spec, 'version')['enum'], [...ATOMIX_VERSIONS]);
    assert.deepEqual(at(spec, 'partitionGroups')['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(at(spec, 'partitionGroups')['x-kubernetes-list-type'], 'map');
    assert.deepEqual(at(spec, 'managementGroup')['default'], {});
  });

  test('the cluster name rules sit on the root, where metadata.name is in scope', () => {
    assert.deepEqual(
      root['x-kubernetes-validations'],
      clusterNameRules.map(({ cel, message, fieldPath }) => ({ rule: cel, message, fieldPath })),
    );
    assert.deepEqual(at(root, 'metadata'), { type: 'object', properties: { name: { type: 'string' } } });
  });

  test('rules without a field path are emitted without one', () => {
    const validations = group['x-kubernetes-validations'] as { rule: string; fieldPath?: string }[];
    const protocol = validations.find((v) => v.rule.startsWith('(has(self.raft) ? 1 : 0)'));
    assert.ok(protocol);
    assert.equal('fieldPath' in protocol, false);
    assert.ok(validations.some((v) => v.fieldPath === '.name'));
  });
});

describe('the committed CRD', () => {
  // deploy/ is what users and the integration tests apply (whose real API server runs its CEL rules):
  // every description, bound and rule of the generated schema is pinned here.
  test('deploy/crds/atomixcluster_crd.yaml is the generated CRD (regenerate with npm run crd)', () => {
    const committed = readFileSync(`${repoRoot}/deploy/crds/atomixcluster_crd.yaml`, 'utf8');
    assert.equal(committed, stringify(crd, { lineWidth: 0 }));
  });
});

describe('the CRD identity', () => {
  test('group, names and the one served and stored version with its status subresource', () => {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, 'atomixclusters.agent.atomix.io');
    assert.equal(crd.spec.group, 'agent.atomix.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, { kind: 'AtomixCluster', listKind: 'AtomixClusterList', plural: 'atomixclusters', singular: 'atomixcluster', shortNames: ['atomix'] });
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version.name, 'v1alpha1');
    assert.equal(version.served, true);
    assert.equal(version.storage, true);
    assert.deepEqual(version.subresources, { status: {} });
  });

  test('kubectl get shows readiness, status, quorum, version and age', () => {
    assert.deepEqual(version.additionalPrinterColumns, [
      { name: 'Ready', type: 'string', description: 'Ready groups out of all groups', jsonPath: '.status.readyGroups' },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
      { name: 'Quorate', type: 'string', description: 'Every Atomix server group takes writes', jsonPath: '.status.conditions[?(@.type=="Quorate")].status' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
  });
});
