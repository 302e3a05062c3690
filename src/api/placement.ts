// Where a group's pods run and what they carry: the Kubernetes pod fields
// (nodeSelector, tolerations, affinity, topologySpreadConstraints, priorityClassName,
// serviceAccountName, terminationGracePeriodSeconds) and the pods' own labels and
// annotations, the same on the management group, each partition group and the
// benchmark. Typed after the Kubernetes API (so `kubectl explain` documents them),
// with CEL rules for the mistakes the API server would otherwise refuse only when
// the operator applies the StatefulSet. src/render/placement.ts passes them through.
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { withRules, type Rule } from './rules.js';
import { celList, DNS_SUBDOMAIN_PATTERN, LABEL_VALUE_OR_EMPTY_PATTERN, MAX_DNS_SUBDOMAIN, MAX_LABEL_VALUE, strict, stringEnum } from './schema-kit.js';

/** Bounds that keep the CRD's CEL cost estimates within the API server's budget. */
const MAX_MAP_ENTRIES = 64;
const MAX_TERMS = 16;
const MAX_VALUES = 64;
/** A qualified name: a DNS-subdomain prefix (253), "/", a name (63). */
const MAX_LABEL_KEY = 317;
const MAX_ANNOTATION_VALUE = 16_384;

/** What the patterns of this file mean, in the words of the CLI's validation messages (validate.ts). */
export const PLACEMENT_PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  [LABEL_VALUE_OR_EMPTY_PATTERN]: 'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
  [DNS_SUBDOMAIN_PATTERN]: 'must be a DNS subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
};

/** The label the StatefulSet controller sets on each pod: the revision the pod was made from. */
export const REVISION_LABEL = 'controller-revision-hash';

/** Label keys the operator sets on every pod: its selectors and the recommended labels. */
const OPERATOR_POD_LABELS = [
  'app',
  'type',
  'group',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/component',
  'app.kubernetes.io/version',
  REVISION_LABEL,
] as const;
/** Prefixes of keys owned by the operator (agent.atomix.io) and by the StatefulSet controller. */
const RESERVED_KEY_PREFIXES = ['agent.atomix.io/', 'statefulset.kubernetes.io/', 'apps.kubernetes.io/'] as const;

const labelValue = Type.String({ maxLength: MAX_LABEL_VALUE, pattern: LABEL_VALUE_OR_EMPTY_PATTERN });
const labelKey = (description: string) => Type.String({ minLength: 1, maxLength: MAX_LABEL_KEY, description });

const stringMap = (value: TSchema, description: string) =>
  Type.Unsafe<Record<string, string>>({ type: 'object', description, maxProperties: MAX_MAP_ENTRIES, additionalProperties: value });

/** Keys of `keys` (none for annotations) and keys under the reserved prefixes are refused. */
const reservedKeyRule = (what: string, keys: readonly string[]): Rule<Record<string, string>> => {
  const hasKeys = keys.length > 0;
  const checks = [...(hasKeys ? [`!(k in ${celList(keys)})`] : []), ...RESERVED_KEY_PREFIXES.map((prefix) => `!k.startsWith('${prefix}')`)];
  const forbidden = [...(hasKeys ? [`the keys ${keys.join(', ')}`] : []), `the prefixes ${RESERVED_KEY_PREFIXES.join(', ')}`];
  return {
    cel: `self.all(k, ${checks.join(' && ')})`,
    message: `${what} must not use ${forbidden.join(' or ')}: the operator and the StatefulSet controller set those`,
    holds: (map) => Object.keys(map).every((k) => !keys.includes(k) && RESERVED_KEY_PREFIXES.every((prefix) => !k.startsWith(prefix))),
  };
};

const PodLabels = withRules(
  stringMap(labelValue, 'Labels added to the pods of this group (not to its StatefulSet). The operator\'s own labels cannot be overridden.'),
  [reservedKeyRule('labels', OPERATOR_POD_LABELS)],
);

const PodAnnotations = withRules(
  stringMap(Type.String({ maxLength: MAX_ANNOTATION_VALUE }), 'Annotations added to the pods of this group (not to its StatefulSet).'),
  [reservedKeyRule('annotations', [])],
);

const SetOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const NodeOperators = [...SetOperators, 'Gt', 'Lt'] as const;

interface Requirement {
  operator: string;
  values?: string[];
}

const valuesRule: Rule<Requirement> = {
  cel: "self.operator in ['Exists', 'DoesNotExist'] ? !has(self.values) || size(self.values) == 0 : has(self.values) && size(self.values) > 0",
  message: 'values must be empty for the operators Exists and DoesNotExist, and given for the others',
  holds: (r) => (['Exists', 'DoesNotExist'].includes(r.operator) ? (r.values ?? []).length === 0 : (r.values ?? []).length > 0),
};

const numericRule: Rule<Requirement> = {
  cel: "!(self.operator in ['Gt', 'Lt']) || (size(self.values) == 1 && self.values[0].matches('^-?[0-9]+$'))",
  message: 'the operators Gt and Lt need exactly one value, an integer',
  holds: (r) => !['Gt', 'Lt'].includes(r.operator) || (r.values?.length === 1 && /^-?[0-9]+$/.test(r.values[0] ?? '')),
};

const requirement = <O extends string>(operators: readonly O[], rules: Rule<Requirement>[]) =>
  withRules(
    Type.Object(
      {
        key: labelKey('The label key the requirement applies to.'),
        operator: stringEnum(operators, { description: `How the key's value is compared: ${operators.join(', ')}.` }),
        values: Type.Optional(Type.Array(Type.String({ maxLength: MAX_LABEL_VALUE }), { maxItems: MAX_VALUES, description: 'The values to compare with.' })),
      },
      strict,
    ),
    rules,
  );

const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(stringMap(labelValue, 'Labels the selected pods carry, all of them.')),
    matchExpressions: Type.Optional(Type.Array(requirement(SetOperators, [valuesRule]), { maxItems: MAX_TERMS, description: 'Label requirements, all of them.' })),
  },
  { ...strict, description: 'A Kubernetes label selector.' },
);

const NodeSelectorTerm = Type.Object(
  {
    matchExpressions: Type.Optional(Type.Array(requirement(NodeOperators, [valuesRule, numericRule]), { maxItems: MAX_TERMS, description: 'Requirements on node labels.' })),
    matchFields: Type.Optional(Type.Array(requirement(NodeOperators, [valuesRule, numericRule]), { maxItems: MAX_TERMS, description: 'Requirements on node fields (metadata.name).' })),
  },
  { ...strict, description: 'Node requirements, all of them.' },
);

const weight = Type.Integer({ minimum: 1, maximum: 100, description: 'Weight of the term among the preferred ones (1-100).' });

const NodeAffinity = Type.Object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(
      Type.Object(
        { nodeSelectorTerms: Type.Array(NodeSelectorTerm, { minItems: 1, maxItems: MAX_TERMS, description: 'Terms, any of them.' }) },
        { ...strict, description: 'Nodes the pods must run on.' },
      ),
    ),
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
      Type.Array(Type.Object({ weight, preference: NodeSelectorTerm }, strict), { maxItems: MAX_TERMS, description: 'Nodes the pods should run on.' }),
    ),
  },
  { ...strict, description: 'Kubernetes node affinity.' },
);

const PodAffinityTerm = Type.Object(
  {
    labelSelector: Type.Optional(LabelSelector),
    namespaces: Type.Optional(Type.Array(Type.String({ maxLength: MAX_LABEL_VALUE }), { maxItems: MAX_VALUES, description: 'Namespaces of the pods; default: the cluster\'s.' })),
    namespaceSelector: Type.Optional(LabelSelector),
    topologyKey: labelKey('Node label whose value defines a topology domain, e.g. kubernetes.io/hostname.'),
    matchLabelKeys: Type.Optional(Type.Array(labelKey('A pod label key.'), { maxItems: MAX_TERMS, description: 'Pod label keys whose values are added to labelSelector.' })),
    mismatchLabelKeys: Type.Optional(Type.Array(labelKey('A pod label key.'), { maxItems: MAX_TERMS, description: 'Pod label keys whose values must differ.' })),
  },
  { ...strict, description: 'Pods (selected by labels, in namespaces) and the topology domain they are counted in.' },
);

const podAffinity = (description: string) =>
  Type.Object(
    {
      requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(PodAffinityTerm, { maxItems: MAX_TERMS, description: 'Terms that must hold.' })),
      preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
        Type.Array(Type.Object({ weight, podAffinityTerm: PodAffinityTerm }, strict), { maxItems: MAX_TERMS, description: 'Terms that should hold.' }),
      ),
    },
    { ...strict, description },
  );

const Affinity = Type.Object(
  {
    nodeAffinity: Type.Optional(NodeAffinity),
    podAffinity: Type.Optional(podAffinity('Run the pods near the pods selected here.')),
    podAntiAffinity: Type.Optional(
      podAffinity('Keep the pods away from the pods selected here. Replaces the operator\'s default (preferably one pod of the group per node).'),
    ),
  },
  {
    ...strict,
    description:
      'Kubernetes pod affinity. nodeAffinity and podAffinity are added to the pods as given; podAntiAffinity, when set, replaces the operator\'s default, which prefers one pod of the group per node (kubernetes.io/hostname).',
  },
);

interface TolerationShape {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

const Toleration = withRules(
  Type.Object(
    {
      key: Type.Optional(Type.String({ maxLength: MAX_LABEL_KEY, description: 'Taint key; empty with operator Exists: every taint.' })),
      operator: Type.Optional(stringEnum(['Equal', 'Exists'] as const, { description: 'Equal (the default) or Exists.' })),
      value: Type.Optional(Type.String({ maxLength: MAX_LABEL_VALUE, pattern: LABEL_VALUE_OR_EMPTY_PATTERN, description: 'Taint value, for Equal.' })),
      effect: Type.Optional(stringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const, { description: 'Taint effect; empty: every effect.' })),
      tolerationSeconds: Type.Optional(Type.Integer({ description: 'How long a NoExecute taint is tolerated; unset: forever.' })),
    },
    { ...strict, description: 'A Kubernetes toleration.' },
  ),
  [
    {
      cel: "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
      message: 'operator must be Exists when key is empty (which tolerates every taint)',
      holds: (t: TolerationShape) => (t.key ?? '') !== '' || t.operator === 'Exists',
    },
    {
      cel: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
      message: 'value must be empty when operator is Exists',
      holds: (t: TolerationShape) => t.operator !== 'Exists' || (t.value ?? '') === '',
    },
    {
      cel: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
      message: 'effect must be NoExecute when tolerationSeconds is set',
      holds: (t: TolerationShape) => t.tolerationSeconds === undefined || t.effect === 'NoExecute',
    },
  ],
);

const NodeInclusionPolicies = ['Honor', 'Ignore'] as const;

const TopologySpreadConstraint = withRules(
  Type.Object(
    {
      maxSkew: Type.Integer({ minimum: 1, description: 'Largest allowed difference in pod count between topology domains.' }),
      topologyKey: labelKey('Node label whose value defines a topology domain, e.g. topology.kubernetes.io/zone.'),
      whenUnsatisfiable: stringEnum(['DoNotSchedule', 'ScheduleAnyway'] as const, { description: 'DoNotSchedule or ScheduleAnyway.' }),
      labelSelector: Type.Optional({ ...LabelSelector, description: 'The pods to spread; default: the pods of this group.' }),
      minDomains: Type.Optional(Type.Integer({ minimum: 1, description: 'Minimum number of eligible domains (with DoNotSchedule).' })),
      nodeAffinityPolicy: Type.Optional(stringEnum(NodeInclusionPolicies, { description: 'Whether nodeSelector and nodeAffinity limit the domains: Honor or Ignore.' })),
      nodeTaintsPolicy: Type.Optional(stringEnum(NodeInclusionPolicies, { description: 'Whether node taints limit the domains: Honor or Ignore.' })),
      matchLabelKeys: Type.Optional(Type.Array(labelKey('A pod label key.'), { maxItems: MAX_TERMS, description: 'Pod label keys whose values are added to labelSelector.' })),
    },
    { ...strict, description: 'A Kubernetes topology spread constraint; without labelSelector it spreads the pods of this group.' },
  ),
  [
    {
      cel: "!has(self.minDomains) || self.whenUnsatisfiable == 'DoNotSchedule'",
      message: 'minDomains can be set only when whenUnsatisfiable is DoNotSchedule',
      holds: (c: { minDomains?: number; whenUnsatisfiable: string }) => c.minDomains === undefined || c.whenUnsatisfiable === 'DoNotSchedule',
    },
  ],
);

const dnsSubdomain = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_DNS_SUBDOMAIN, pattern: DNS_SUBDOMAIN_PATTERN, description });

/** The placement and pod metadata fields of a group, spread into the group's schema object. */
export const PodPlacementFields = {
  nodeSelector: Type.Optional(stringMap(labelValue, 'Node labels the pods\' node must have (Kubernetes nodeSelector).')),
  tolerations: Type.Optional(Type.Array(Toleration, { maxItems: MAX_TERMS, description: 'Taints the pods tolerate (Kubernetes tolerations).' })),
  affinity: Type.Optional(Affinity),
  topologySpreadConstraints: Type.Optional(
    Type.Array(TopologySpreadConstraint, { maxItems: MAX_TERMS, description: 'How the pods spread across topology domains (Kubernetes topologySpreadConstraints).' }),
  ),
  priorityClassName: Type.Optional(dnsSubdomain('PriorityClass of the pods.')),
  serviceAccountName: Type.Optional(dnsSubdomain('ServiceAccount the pods run as; its token is never mounted (Atomix does not call the Kubernetes API).')),
  terminationGracePeriodSeconds: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 86_400, description: 'Seconds a stopping pod gets between SIGTERM and SIGKILL (Kubernetes default 30).' }),
  ),
  labels: Type.Optional(PodLabels),
  annotations: Type.Optional(PodAnnotations),
};

/** The placement fields of a group (or the benchmark) as they stand in a stored spec. */
export type PodPlacementSpec = Static<TObject<typeof PodPlacementFields>>;
