// Every name the operator gives an object, and the limits those names imply for
// the names users choose. Names depend only on the cluster's and groups' names,
// never on other spec values, so a spec change never renames (or orphans) anything.

/** Atomix calls its management group "system" and keeps its data in <data-dir>/system. */
const ATOMIX_SYSTEM_GROUP = 'system';

const MANAGEMENT = 'management';
const DISCOVERY_SERVICE_SUFFIX = 'service';
const BENCH = 'bench';
const BENCH_WORKER = 'bench-worker';
const BENCH_COORDINATOR = 'bench-coordinator';

/**
 * Group names that would collide with Atomix's own group or with an object the
 * operator names for the management group, the discovery service or the benchmark.
 */
export const RESERVED_GROUP_NAMES = [
  ATOMIX_SYSTEM_GROUP,
  MANAGEMENT,
  DISCOVERY_SERVICE_SUFFIX,
  BENCH,
  BENCH_WORKER,
  BENCH_COORDINATOR,
] as const;

/**
 * StatefulSet names are capped by the pod label `controller-revision-hash`
 * (`<name>-<10 hash chars>`), which must fit a 63-character label value.
 */
const MAX_STATEFULSET_NAME = 52;
export const MAX_CLUSTER_NAME = MAX_STATEFULSET_NAME - `-${MANAGEMENT}`.length;
export const MAX_CLUSTER_NAME_WITH_BENCHMARK = MAX_STATEFULSET_NAME - `-${BENCH_COORDINATOR}`.length;
/** `{cluster}-{group}` must fit MAX_STATEFULSET_NAME. */
export const MAX_CLUSTER_AND_GROUP_NAME = MAX_STATEFULSET_NAME - 1;
export const MAX_GROUP_NAME = 63;

const join = (...parts: string[]) => parts.join('-');

export const names = {
  discoveryService: (cluster: string) => join(cluster, DISCOVERY_SERVICE_SUFFIX),
  managementStatefulSet: (cluster: string) => join(cluster, MANAGEMENT),
  managementConfigMap: (cluster: string) => join(cluster, MANAGEMENT, 'config'),
  groupStatefulSet: (cluster: string, group: string) => join(cluster, group),
  groupService: (cluster: string, group: string) => join(cluster, group),
  groupConfigMap: (cluster: string, group: string) => join(cluster, group, 'config'),
  /** Headless Service governing all benchmark pods. */
  benchService: (cluster: string) => join(cluster, BENCH),
  benchWorkers: (cluster: string) => join(cluster, BENCH_WORKER),
  /** The coordinator's StatefulSet and its ClusterIP Service behind the Ingress. */
  benchCoordinator: (cluster: string) => join(cluster, BENCH_COORDINATOR),
  benchConfigMap: (cluster: string) => join(cluster, BENCH, 'config'),
  benchIngress: (cluster: string) => join(cluster, BENCH),
  podName: (statefulSet: string, ordinal: number) => `${statefulSet}-${ordinal}`,
};

/** Fully qualified DNS name of a Service, which Atomix's DNS discovery looks up as given. */
export function serviceFqdn(service: string, namespace: string, clusterDomain: string): string {
  return `${service}.${namespace}.svc.${clusterDomain}`;
}
