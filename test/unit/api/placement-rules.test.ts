// The placement rules at admission (placement.ts), case by case: label requirements, tolerations,
// topology spread constraints and the keys the operator keeps for itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { refusals, verdict, type AdmissionCase } from './admission-table.js';

const VALUES = 'values must be empty for the operators Exists and DoesNotExist, and given for the others';
const NUMERIC = 'the operators Gt and Lt need exactly one value, an integer';
const EMPTY_KEY = 'operator must be Exists when key is empty (which tolerates every taint)';
const EXISTS_VALUE = 'value must be empty when operator is Exists';
const SECONDS = 'effect must be NoExecute when tolerationSeconds is set';
const MIN_DOMAINS = 'minDomains can be set only when whenUnsatisfiable is DoNotSchedule';
const RESERVED_PREFIXES = 'agent.atomix.io/, statefulset.kubernetes.io/, apps.kubernetes.io/';
const LABELS = `labels must not use the keys app, type, group, app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/managed-by, app.kubernetes.io/component, app.kubernetes.io/version, controller-revision-hash or the prefixes ${RESERVED_PREFIXES}: the operator and the StatefulSet controller set those`;
const ANNOTATIONS = `annotations must not use the prefixes ${RESERVED_PREFIXES}: the operator and the StatefulSet controller set those`;

const M = 'spec.managementGroup';
const management = (placement: object) => ({ managementGroup: placement });

/** A node requirement in a required node affinity term, and the field its errors name. */
const nodeRequirement = (requirement: object) =>
  management({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [requirement] }] } } } });
const NODE = `${M}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]`;
/** A pod label requirement in a preferred pod affinity term. */
const podRequirement = (requirement: object) =>
  management({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'zone', labelSelector: { matchExpressions: [requirement] } } }] } } });
const POD = `${M}.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0]`;
const toleration = (value: object) => management({ tolerations: [{ key: 'ok', operator: 'Exists' }, value] });
const T = `${M}.tolerations[1]`;
const spread = (fields: object) => management({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', ...fields }] });

const CASES: readonly AdmissionCase[] = [
  // Label requirements: values by operator.
  { name: 'In with values', spec: nodeRequirement({ key: 'k', operator: 'In', values: ['a'] }), refused: {} },
  { name: 'NotIn with no values', spec: nodeRequirement({ key: 'k', operator: 'NotIn', values: [] }), refused: { [NODE]: [VALUES] } },
  { name: 'Exists with an empty list', spec: nodeRequirement({ key: 'k', operator: 'Exists', values: [] }), refused: {} },
  { name: 'DoesNotExist with a value', spec: podRequirement({ key: 'k', operator: 'DoesNotExist', values: ['a'] }), refused: { [POD]: [VALUES] } },
  { name: 'DoesNotExist without values', spec: podRequirement({ key: 'k', operator: 'DoesNotExist' }), refused: {} },
  { name: 'In without values on pods', spec: podRequirement({ key: 'k', operator: 'In' }), refused: { [POD]: [VALUES] } },
  { name: 'Gt on pod labels', spec: podRequirement({ key: 'k', operator: 'Gt', values: ['1'] }), refused: { [`${POD}.operator`]: ['must be one of: In, NotIn, Exists, DoesNotExist'] } },
  // Gt and Lt (node requirements only): one integer.
  { name: 'Gt 3', spec: nodeRequirement({ key: 'k', operator: 'Gt', values: ['3'] }), refused: {} },
  { name: 'Lt -12', spec: nodeRequirement({ key: 'k', operator: 'Lt', values: ['-12'] }), refused: {} },
  { name: 'Gt with two values', spec: nodeRequirement({ key: 'k', operator: 'Gt', values: ['1', '2'] }), refused: { [NODE]: [NUMERIC] } },
  { name: 'Lt without values', spec: nodeRequirement({ key: 'k', operator: 'Lt' }), refused: { [NODE]: [VALUES, NUMERIC] } },
  { name: 'Gt 3a', spec: nodeRequirement({ key: 'k', operator: 'Gt', values: ['3a'] }), refused: { [NODE]: [NUMERIC] } },
  { name: 'Lt a3', spec: nodeRequirement({ key: 'k', operator: 'Lt', values: ['a3'] }), refused: { [NODE]: [NUMERIC] } },
  { name: 'Gt 1.5', spec: nodeRequirement({ key: 'k', operator: 'Gt', values: ['1.5'] }), refused: { [NODE]: [NUMERIC] } },
  { name: 'In with a word', spec: nodeRequirement({ key: 'k', operator: 'In', values: ['three'] }), refused: {} },
  // Tolerations.
  { name: 'an empty key with Exists (every taint)', spec: toleration({ key: '', operator: 'Exists' }), refused: {} },
  { name: 'no key, no operator', spec: toleration({ effect: 'NoSchedule' }), refused: { [T]: [EMPTY_KEY] } },
  { name: 'an empty key with Equal', spec: toleration({ key: '', operator: 'Equal' }), refused: { [T]: [EMPTY_KEY] } },
  { name: 'a key without an operator (Equal)', spec: toleration({ key: 'k', value: 'v' }), refused: {} },
  { name: 'Exists with an empty value', spec: toleration({ key: 'k', operator: 'Exists', value: '' }), refused: {} },
  { name: 'Exists with a value', spec: toleration({ key: 'k', operator: 'Exists', value: 'v' }), refused: { [T]: [EXISTS_VALUE] } },
  { name: 'tolerationSeconds with NoExecute', spec: toleration({ key: 'k', effect: 'NoExecute', tolerationSeconds: 0 }), refused: {} },
  { name: 'tolerationSeconds without an effect', spec: toleration({ key: 'k', tolerationSeconds: 10 }), refused: { [T]: [SECONDS] } },
  { name: 'tolerationSeconds with PreferNoSchedule', spec: toleration({ key: 'k', effect: 'PreferNoSchedule', tolerationSeconds: 10 }), refused: { [T]: [SECONDS] } },
  { name: 'an empty toleration', spec: toleration({}), refused: { [T]: [EMPTY_KEY] } },
  // Topology spread constraints.
  { name: 'minDomains with DoNotSchedule', spec: spread({ whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 }), refused: {} },
  { name: 'minDomains with ScheduleAnyway', spec: spread({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 1 }), refused: { [`${M}.topologySpreadConstraints[0]`]: [MIN_DOMAINS] } },
  { name: 'ScheduleAnyway without minDomains', spec: spread({ whenUnsatisfiable: 'ScheduleAnyway' }), refused: {} },
  // Pod labels and annotations.
  { name: 'labels beside the operator\'s', spec: management({ labels: { team: 'a', 'app.kubernetes.io/part-of': 'shop', apps: 'x', 'example.com/app': 'y' } }), refused: {} },
  ...['type', 'group', 'app.kubernetes.io/managed-by', 'controller-revision-hash', 'agent.atomix.io/x', 'apps.kubernetes.io/pod-index'].map((key) => ({
    name: `the label ${key}`,
    spec: management({ labels: { team: 'a', [key]: 'x' } }),
    refused: { [`${M}.labels`]: [LABELS] },
  })),
  { name: 'annotations that are operator label keys', spec: management({ annotations: { app: 'x', 'app.kubernetes.io/name': 'y' } }), refused: {} },
];

describe('placement rules', () => {
  for (const { name, spec, refused } of CASES) {
    test(`${name}: ${verdict(refused)}`, () => assert.deepEqual(refusals(spec), refused));
  }

  for (const key of ['agent.atomix.io/config-hash', 'statefulset.kubernetes.io/x', 'apps.kubernetes.io/y']) {
    test(`the annotation ${key}: refused at ${M}.annotations`, () => {
      assert.deepEqual(refusals(management({ annotations: { note: 'kept', [key]: 'y' } })), { [`${M}.annotations`]: [ANNOTATIONS] });
    });
  }
});
