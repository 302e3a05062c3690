// Changes admission refuses (CEL transition rules: transition-rules.ts, version-rules.ts) that
// reached the controller anyway: stored before those rules existed, or admitted around them (a CRD
// without them). The previous spec is gone by then, so it is read back from what the cluster runs:
// each StatefulSet's replicas, each group's Atomix configuration in its ConfigMap, the version on
// the member pods. The same rules then judge the change (validateClusterUpdate), so admission,
// render and the controller refuse the same changes with the same words.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { AtomixCluster, PartitionGroupSpec } from '../api/schema.js';
import { names } from '../api/names.js';
import { partitionsOf } from '../api/defaults.js';
import { validateClusterUpdate } from '../api/validate.js';
import { acrossTheProbeChange, ATOMIX_VERSIONS, type AtomixVersion } from '../api/versions.js';
import { API_VERSION, KIND } from '../api/group.js';
import type { KubeObject } from '../render/index.js';
import { ATOMIX_CONFIG_FILE } from '../render/config-map.js';
import { VERSION_LABEL } from '../render/labels.js';
import { isAppliedFrom } from '../kube/hash.js';
import type { Problem } from './status.js';

export interface RunningObjects {
  /** The cluster's live object of this kind and name, if any. */
  readonly live: (kind: 'StatefulSet' | 'ConfigMap', name: string) => KubernetesObject | undefined;
  /** The cluster's Atomix server pods. */
  readonly pods: readonly V1Pod[];
}

/** A refused change found against the running objects: Degraded, and nothing is written until the spec changes. */
export function refusedChangeProblem(cluster: AtomixCluster, desired: readonly KubeObject[], running: RunningObjects): Problem | undefined {
  const previous = { ...cluster, apiVersion: API_VERSION, kind: KIND, spec: runningSpec(cluster, desired, running) };
  const verdict = validateClusterUpdate(previous, { ...cluster, apiVersion: API_VERSION, kind: KIND });
  if (verdict.ok) return undefined;
  const refusals = verdict.errors.map((error) => `${error.field}: ${error.message}`).join('; ');
  return {
    reason: 'ChangeRefused',
    message:
      `the spec asks for changes admission refuses, compared with what the cluster runs (stored before the rule existed, ` +
      `or admitted around it); nothing is changed until the spec is restored or does what the refusal says: ${refusals}`,
    terminal: true,
  };
}

/** The cluster's spec with what the running objects say in place of what they contradict. */
function runningSpec(cluster: AtomixCluster, desired: readonly KubeObject[], running: RunningObjects): AtomixCluster['spec'] {
  const spec = structuredClone(cluster.spec);
  const clusterName = cluster.metadata.name;
  const changed = changedLiveObject(desired, running);
  spec.managementGroup.size = replicasOf(changed('StatefulSet', names.managementStatefulSet(clusterName))) ?? spec.managementGroup.size;
  for (const group of spec.partitionGroups ?? []) {
    const config = groupConfigOf(changed('ConfigMap', names.groupConfigMap(clusterName, group.name)), group.name);
    runWithConfig(group, config);
    group.size = replicasOf(changed('StatefulSet', names.groupStatefulSet(clusterName, group.name))) ?? group.size;
  }
  spec.version = versionAcrossTheLine(running.pods, spec.version) ?? spec.version;
  return spec;
}

interface RunningGroupConfig {
  partitions?: unknown;
  partitionSize?: unknown;
  members?: unknown;
}

/** Partitions and partition size as the group's configuration has them, where they differ from what the spec renders. */
function runWithConfig(group: PartitionGroupSpec, config: RunningGroupConfig | undefined): void {
  if (typeof config?.partitions === 'number' && config.partitions !== partitionsOf(group)) group.partitions = config.partitions;
  if (!group.raft || typeof config?.partitionSize !== 'number') return;
  // The rendered partition size is capped at the group's members.
  const members = Array.isArray(config.members) ? config.members.length : group.size;
  if (config.partitionSize !== Math.min(group.raft.partitionSize, members)) group.raft.partitionSize = config.partitionSize;
}

/**
 * The live object, if the spec changed it: the hash the operator stamped on it differs from the
 * desired object's. (One the spec did not change but that differs was edited by someone else:
 * that is drift, restored as usual, not a change of the spec.)
 */
function changedLiveObject(desired: readonly KubeObject[], running: RunningObjects) {
  return (kind: 'StatefulSet' | 'ConfigMap', name: string): KubernetesObject | undefined => {
    const live = running.live(kind, name);
    const wanted = desired.find((object) => object.kind === kind && object.metadata.name === name);
    return live && wanted && !isAppliedFrom(live, wanted) ? live : undefined;
  };
}

function replicasOf(statefulSet: KubernetesObject | undefined): number | undefined {
  return (statefulSet as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
}

function groupConfigOf(configMap: KubernetesObject | undefined, group: string): RunningGroupConfig | undefined {
  const text = (configMap as { data?: Record<string, string> } | undefined)?.data?.[ATOMIX_CONFIG_FILE];
  if (text === undefined) return undefined;
  try {
    const config = JSON.parse(text) as { partitionGroups?: Record<string, RunningGroupConfig> };
    return config.partitionGroups?.[group];
  } catch {
    // Not the operator's JSON (edited by hand): nothing to compare with; the sync restores it.
    return undefined;
  }
}

/** A version a member pod runs on the other side of the 3.1.5 -> 3.1.6 line from `version`. */
function versionAcrossTheLine(pods: readonly V1Pod[], version: AtomixVersion): AtomixVersion | undefined {
  const running = pods.map((pod) => pod.metadata?.labels?.[VERSION_LABEL]);
  return ATOMIX_VERSIONS.find((known) => running.includes(known) && acrossTheProbeChange(known, version));
}
