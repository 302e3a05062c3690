import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { validateCluster } from '../../../src/api/validate.js';
import type { AtomixCluster } from '../../../src/api/schema.js';
import { mergePatch, readManifest } from '../../support/manifests.js';
import { FULL_PLACEMENT } from '../../support/placement-cases.js';

const example = readManifest('deploy/crds/atomixcluster_cr.yaml');

function cluster(spec: object): AtomixCluster {
  const result = validateCluster(mergePatch(example, { spec }));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.cluster;
}

const statefulSets = (c: AtomixCluster) => renderCluster(c).filter(isKind('StatefulSet'));
const template = (sts: V1StatefulSet): V1PodTemplateSpec => {
  assert.ok(sts.spec);
  return sts.spec.template;
};
const podSpec = (sts: V1StatefulSet) => {
  const spec = template(sts).spec;
  assert.ok(spec);
  return spec;
};
const named = (c: AtomixCluster, name: string) => {
  const found = statefulSets(c).find((s) => s.metadata.name === name);
  assert.ok(found, name);
  return found;
};
const defaultAntiAffinity = (selector: Record<string, string>) => ({
  preferredDuringSchedulingIgnoredDuringExecution: [
    { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
  ],
});

const everywhere = cluster({
  managementGroup: FULL_PLACEMENT,
  partitionGroups: [{ name: 'raft', raft: {}, ...FULL_PLACEMENT }],
  benchmark: FULL_PLACEMENT,
});

describe('placement fields in the pod template', () => {
  test('every StatefulSet of every kind of group passes the Kubernetes fields through as given', () => {
    const rendered = statefulSets(everywhere);
    assert.equal(rendered.length, 4, 'management, raft, bench workers and coordinator');
    for (const sts of rendered) {
      const spec = podSpec(sts);
      assert.deepEqual(spec.nodeSelector, FULL_PLACEMENT.nodeSelector, sts.metadata.name);
      assert.deepEqual(spec.tolerations, FULL_PLACEMENT.tolerations);
      assert.deepEqual(spec.affinity?.nodeAffinity, FULL_PLACEMENT.affinity.nodeAffinity);
      assert.deepEqual(spec.affinity.podAffinity, FULL_PLACEMENT.affinity.podAffinity);
      assert.equal(spec.priorityClassName, 'atomix-critical');
      assert.equal(spec.serviceAccountName, 'atomix-nodes');
      assert.equal(spec.terminationGracePeriodSeconds, 45);
    }
  });

  test('without podAntiAffinity the group\'s pods prefer distinct nodes; the user\'s podAntiAffinity replaces that', () => {
    const selector = { app: 'example-atomixcluster', type: 'group', group: 'raft' };
    assert.deepEqual(podSpec(named(everywhere, 'example-atomixcluster-raft')).affinity?.podAntiAffinity, defaultAntiAffinity(selector));
    const required = {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } }],
    };
    const strict = cluster({ partitionGroups: [{ name: 'raft', raft: {}, affinity: { podAntiAffinity: required } }] });
    assert.deepEqual(podSpec(named(strict, 'example-atomixcluster-raft')).affinity, { podAntiAffinity: required });
    const none = cluster({ partitionGroups: [{ name: 'raft', raft: {}, affinity: { podAntiAffinity: {} } }] });
    assert.deepEqual(podSpec(named(none, 'example-atomixcluster-raft')).affinity, { podAntiAffinity: {} });
    // The other groups keep their default.
    assert.deepEqual(
      podSpec(named(none, 'example-atomixcluster-management')).affinity,
      { podAntiAffinity: defaultAntiAffinity({ app: 'example-atomixcluster', type: 'managment' }) },
    );
  });

  test('a spread constraint without labelSelector spreads the group\'s own pods; one with a selector is kept', () => {
    const [byHost, byZone] = podSpec(named(everywhere, 'example-atomixcluster-bench-worker')).topologySpreadConstraints ?? [];
    assert.deepEqual(byHost, { ...FULL_PLACEMENT.topologySpreadConstraints[0], labelSelector: { matchLabels: { app: 'example-atomixcluster', type: 'benchmark-worker' } } });
    assert.deepEqual(byZone, FULL_PLACEMENT.topologySpreadConstraints[1]);
  });

  test('pod labels and annotations go on the pods only, next to the operator\'s', () => {
    for (const sts of statefulSets(everywhere)) {
      const { labels, annotations } = template(sts).metadata ?? {};
      assert.equal(labels?.team, 'storage');
      assert.equal(labels['example.com/tier'], 'data');
      assert.equal(labels.app, 'example-atomixcluster');
      assert.equal(labels['app.kubernetes.io/managed-by'], 'atomix-operator');
      assert.deepEqual(sts.spec?.selector.matchLabels, Object.fromEntries(Object.entries(sts.spec?.selector.matchLabels ?? {}).map(([k]) => [k, labels[k]])));
      assert.equal(annotations?.['prometheus.io/scrape'], 'false');
      assert.match(annotations['agent.atomix.io/config-hash'] ?? '', /^[0-9a-f]{16}$/);
      assert.equal(sts.metadata.labels.team, undefined, 'not on the StatefulSet');
    }
  });

  test('every pod label and annotation key the operator sets is one the schema refuses from the user', () => {
    for (const sts of statefulSets(cluster({ partitionGroups: [{ name: 'raft', raft: {} }], benchmark: {} }))) {
      const { labels = {}, annotations = {} } = template(sts).metadata ?? {};
      for (const [field, keys] of [['labels', Object.keys(labels)], ['annotations', Object.keys(annotations)]] as const) {
        for (const key of keys) {
          const result = validateCluster(mergePatch(example, { spec: { managementGroup: { [field]: { [key]: 'x' } } } }));
          assert.ok(!result.ok && result.errors.some((e) => e.field === `spec.managementGroup.${field}`), `${field} key ${key} is refused`);
        }
      }
    }
  });

  test('without placement fields the pod template is what it was: no empty fields added', () => {
    const spec = podSpec(named(cluster({}), 'example-atomixcluster-management'));
    for (const field of ['nodeSelector', 'tolerations', 'topologySpreadConstraints', 'priorityClassName', 'serviceAccountName', 'terminationGracePeriodSeconds'] as const) {
      assert.equal(field in spec, false, field);
    }
    assert.deepEqual(Object.keys(spec.affinity ?? {}), ['podAntiAffinity']);
  });

  test('a placement change changes only the pod template, so it rolls the pods', () => {
    const before = named(cluster({}), 'example-atomixcluster-management');
    const after = named(cluster({ managementGroup: { nodeSelector: { disk: 'ssd' } } }), 'example-atomixcluster-management');
    const { template: templateBefore, ...restBefore } = before.spec ?? {};
    const { template: templateAfter, ...restAfter } = after.spec ?? {};
    assert.deepEqual(restAfter, restBefore);
    assert.notDeepEqual(templateAfter, templateBefore);
  });
});
