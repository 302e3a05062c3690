// The renderer: one AtomixCluster in, every object the operator owns out. Pure:
// no I/O, no clock, no environment; the same input gives byte-identical output.
import type { AtomixCluster, PartitionGroupSpec } from '../api/schema.js';
import { names } from '../api/names.js';
import { benchNodeSelector, clusterLabels, dataNodeSelector, groupLabels, selectorLabels, type Labels } from './labels.js';
import { objectMeta, ownerReferences, type KubeObject, type OwnerReference } from './meta.js';
import {
  benchmarkGroups,
  contextOf,
  DEFAULT_RENDER_OPTIONS,
  managementGroup,
  partitionGroup,
  type ClusterContext,
  type NodeGroup,
  type ServerGroup,
  type RenderOptions,
  type WriteProbeSpec,
} from './node-groups.js';
import { configMap } from './config-map.js';
import { statefulSet } from './statefulset.js';
import { podDisruptionBudget } from './pod-disruption-budget.js';
import { clusterIpService, headlessService } from './service.js';
import { benchIngress } from './ingress.js';

export type { KubeObject } from './meta.js';
export { isKind } from './meta.js';
export type { RenderOptions, WriteProbeSpec } from './node-groups.js';
export { DEFAULT_RENDER_OPTIONS } from './node-groups.js';

/**
 * Renders the complete desired state of a validated, defaulted cluster. An object
 * absent from the result must not exist: the controller prunes it.
 */
export function renderCluster(cluster: AtomixCluster, options: RenderOptions = DEFAULT_RENDER_OPTIONS): KubeObject[] {
  const ctx = contextOf(cluster, options);
  const owners = ownerReferences(cluster);
  const meta = (name: string, labels: Labels) => objectMeta(name, ctx.namespace, labels, owners);
  const { spec } = cluster;
  return [
    headlessService(meta(names.discoveryService(ctx.cluster), clusterLabels(ctx.cluster)), dataNodeSelector(ctx.cluster), ['node']),
    ...serverGroupObjects(ctx, managementGroup(ctx, spec.managementGroup), owners),
    ...(spec.partitionGroups ?? []).flatMap((group) => partitionGroupObjects(ctx, group, owners)),
    ...(spec.benchmark ? benchmarkObjects(ctx, benchmarkGroups(ctx, spec.benchmark), owners) : []),
  ];
}

/** A group as its status reports it: the StatefulSets that run it and the pods each should have. */
export interface GroupPlan {
  readonly name: string;
  readonly statefulSets: readonly { readonly name: string; readonly replicas: number }[];
  /** Atomix servers, which the operator rolls one at a time (src/controller/rollout.ts); not benchmark clients. */
  readonly servers?: ServerGroupPlan;
}

export interface ServerGroupPlan {
  readonly statefulSet: string;
  readonly replicas: number;
  /** Selects the group's pods. */
  readonly selector: Labels;
  readonly writeProbe: WriteProbeSpec;
}

export interface ClusterPlan {
  readonly management: GroupPlan;
  readonly partitions: readonly GroupPlan[];
  readonly benchmark?: GroupPlan;
}

/** The groups renderCluster builds StatefulSets for, so the status counts exactly those. */
export function planCluster(cluster: AtomixCluster, options: RenderOptions = DEFAULT_RENDER_OPTIONS): ClusterPlan {
  const ctx = contextOf(cluster, options);
  const { spec } = cluster;
  const plan = (name: string, groups: readonly NodeGroup[]): GroupPlan => ({
    name,
    statefulSets: groups.map((group) => ({ name: group.statefulSet, replicas: group.replicas })),
  });
  const serverPlan = (name: string, group: ServerGroup): GroupPlan => ({
    ...plan(name, [group]),
    servers: { statefulSet: group.statefulSet, replicas: group.replicas, selector: selectorLabels(group.id), writeProbe: group.writeProbe },
  });
  return {
    management: serverPlan('management', managementGroup(ctx, spec.managementGroup)),
    partitions: (spec.partitionGroups ?? []).map((group) => serverPlan(group.name, partitionGroup(ctx, group))),
    ...(spec.benchmark ? { benchmark: plan('benchmark', benchmarkGroups(ctx, spec.benchmark)) } : {}),
  };
}

function serverGroupObjects(ctx: ClusterContext, group: ServerGroup, owners: OwnerReference[] | undefined): KubeObject[] {
  const labels = groupLabels(group.id, ctx.version);
  const meta = (name: string) => objectMeta(name, ctx.namespace, labels, owners);
  return [configMap(group, meta(group.configMap)), statefulSet(ctx, group, meta(group.statefulSet)), podDisruptionBudget(group, meta(group.statefulSet))];
}

/** A partition group also gets its own headless Service, for addressing just that group. */
function partitionGroupObjects(ctx: ClusterContext, spec: PartitionGroupSpec, owners: OwnerReference[] | undefined): KubeObject[] {
  const group = partitionGroup(ctx, spec);
  const meta = objectMeta(names.groupService(ctx.cluster, spec.name), ctx.namespace, groupLabels(group.id, ctx.version), owners);
  return [...serverGroupObjects(ctx, group, owners), headlessService(meta, selectorLabels(group.id), ['http', 'node'])];
}

function benchmarkObjects(ctx: ClusterContext, groups: NodeGroup[], owners: OwnerReference[] | undefined): KubeObject[] {
  const [workers, coordinator] = groups as [NodeGroup, NodeGroup];
  const coordinatorLabels = groupLabels(coordinator.id, ctx.version);
  const meta = (name: string, labels: Labels) => objectMeta(name, ctx.namespace, labels, owners);
  const coordinatorService = names.benchCoordinator(ctx.cluster);
  return [
    // Workers and coordinator share one ConfigMap: both are plain clients of the cluster.
    configMap(workers, meta(workers.configMap, clusterLabels(ctx.cluster))),
    headlessService(meta(workers.governingService, clusterLabels(ctx.cluster)), benchNodeSelector(ctx.cluster), ['http', 'node']),
    statefulSet(ctx, workers, meta(workers.statefulSet, groupLabels(workers.id, ctx.version))),
    statefulSet(ctx, coordinator, meta(coordinator.statefulSet, coordinatorLabels)),
    clusterIpService(meta(coordinatorService, coordinatorLabels), selectorLabels(coordinator.id), ['http']),
    benchIngress(meta(names.benchIngress(ctx.cluster), coordinatorLabels), coordinatorService),
  ];
}
