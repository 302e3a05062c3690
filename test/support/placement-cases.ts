// Placement and pod metadata values as AtomixCluster spec patches: one that sets every field on
// every kind of group, and mistakes that the unit tests (validateCluster) and the integration
// tests (the real API server) must both reject, naming the same field with the same message.
import type { RejectedValue } from './value-cases.js';

/**
 * Every placement field, as a user would write it; pods with it are admitted and schedule on the
 * local nodes once the PriorityClass atomix-critical and the ServiceAccount atomix-nodes exist.
 */
export const FULL_PLACEMENT = {
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [
    { key: 'dedicated', operator: 'Equal', value: 'atomix', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
  ],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchExpressions: [{ key: 'example.com/cpu-generation', operator: 'Gt', values: ['3'] }] } },
      ],
    },
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 50, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'my-client' } } } },
      ],
    },
  },
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
    { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', minDomains: 1, labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } },
  ],
  priorityClassName: 'atomix-critical',
  serviceAccountName: 'atomix-nodes',
  terminationGracePeriodSeconds: 45,
  labels: { team: 'storage', 'example.com/tier': 'data' },
  annotations: { 'prometheus.io/scrape': 'false', 'example.com/owner': 'storage team <storage@example.com>' },
} as const;

const onManagement = (placement: object) => ({ managementGroup: placement });
const onGroup = (placement: object) => ({ partitionGroups: [{ name: 'raft', raft: {}, ...placement }] });
const onBenchmark = (placement: object) => ({ benchmark: placement });

export const REJECTED_PLACEMENTS: readonly RejectedValue[] = [
  { name: 'a label the operator selects pods by', spec: onManagement({ labels: { app: 'mine' } }), field: 'spec.managementGroup.labels' },
  { name: 'a recommended label the operator sets', spec: onGroup({ labels: { 'app.kubernetes.io/version': 'x' } }), field: 'spec.partitionGroups[0].labels' },
  { name: 'an annotation of the operator\'s domain', spec: onBenchmark({ annotations: { 'agent.atomix.io/config-hash': 'x' } }), field: 'spec.benchmark.annotations' },
  { name: 'a label the StatefulSet controller sets', spec: onManagement({ labels: { 'statefulset.kubernetes.io/pod-name': 'x' } }), field: 'spec.managementGroup.labels' },
  { name: 'a label value with a space', spec: onManagement({ labels: { team: 'a b' } }), field: 'spec.managementGroup.labels.team', schemaError: true },
  { name: 'a nodeSelector value too long', spec: onGroup({ nodeSelector: { zone: 'z'.repeat(64) } }), field: 'spec.partitionGroups[0].nodeSelector.zone', schemaError: true },
  { name: 'a toleration without key that is not Exists', spec: onManagement({ tolerations: [{ operator: 'Equal', value: 'x' }] }), field: 'spec.managementGroup.tolerations[0]' },
  { name: 'a toleration Exists with a value', spec: onManagement({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), field: 'spec.managementGroup.tolerations[0]' },
  { name: 'tolerationSeconds without NoExecute', spec: onBenchmark({ tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] }), field: 'spec.benchmark.tolerations[0]' },
  { name: 'an unknown toleration effect', spec: onManagement({ tolerations: [{ key: 'k', effect: 'NoWay' }] }), field: 'spec.managementGroup.tolerations[0].effect', schemaError: true },
  {
    name: 'a node requirement In without values',
    spec: onGroup({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }] } } } }),
    field: 'spec.partitionGroups[0].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]',
  },
  {
    name: 'a node requirement Gt that is not a number',
    spec: onManagement({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchFields: [{ key: 'k', operator: 'Gt', values: ['three'] }] } }] } } }),
    field: 'spec.managementGroup.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchFields[0]',
  },
  {
    name: 'a pod requirement Exists with values',
    spec: onManagement({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] } }] } } }),
    field: 'spec.managementGroup.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0]',
  },
  {
    name: 'a pod affinity term without topologyKey',
    spec: onManagement({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] } } }),
    field: 'spec.managementGroup.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey',
    schemaError: true,
  },
  { name: 'a preferred weight of 0', spec: onGroup({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'k' } }] } } }), field: 'spec.partitionGroups[0].affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', schemaError: true },
  {
    name: 'minDomains with ScheduleAnyway',
    spec: onManagement({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }] }),
    field: 'spec.managementGroup.topologySpreadConstraints[0]',
  },
  { name: 'maxSkew 0', spec: onBenchmark({ topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] }), field: 'spec.benchmark.topologySpreadConstraints[0].maxSkew', schemaError: true },
  { name: 'a priorityClassName that is not a DNS subdomain', spec: onManagement({ priorityClassName: 'High_Priority' }), field: 'spec.managementGroup.priorityClassName', schemaError: true },
  { name: 'a serviceAccountName with capitals', spec: onGroup({ serviceAccountName: 'Atomix' }), field: 'spec.partitionGroups[0].serviceAccountName', schemaError: true },
  { name: 'a negative terminationGracePeriodSeconds', spec: onManagement({ terminationGracePeriodSeconds: -1 }), field: 'spec.managementGroup.terminationGracePeriodSeconds', schemaError: true },
];
