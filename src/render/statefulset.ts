// The StatefulSet of a node group, and the pod it runs: one Atomix agent whose
// identity comes from its flags (member id = pod name, address = the pod's DNS
// name under the governing Service), so no init container or extra image is needed.
import { createHash } from 'node:crypto';
import type {
  V1Container,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimSpec,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ResourceRequirements,
  V1StatefulSetSpec,
} from '@kubernetes/client-node';
import type { NodeGroup, ClusterContext } from './node-groups.js';
import { groupLabels, selectorLabels, type GroupIdentity } from './labels.js';
import type { ResourcesSpec, StorageSpec } from '../api/schema.js';
import type { ObjectMeta, StatefulSetObject } from './meta.js';
import { ATOMIX_CONFIG_FILE } from './config-map.js';
import { PORTS } from './ports.js';
import { serviceFqdn } from '../api/names.js';
import { podAnnotations, podLabels, podPlacement } from './placement.js';
import { podSecurity } from './pod-security.js';

const CONFIG_DIR = '/etc/atomix';
const DATA_VOLUME_DIR = '/var/lib/atomix';
const DATA_DIR = `${DATA_VOLUME_DIR}/data`;
/** Rolls the pods when their configuration changes: the JVM reads it only at start. */
const CONFIG_HASH_ANNOTATION = 'agent.atomix.io/config-hash';
/**
 * Runs the image's ENTRYPOINT so that its `java` replaces the shell instead of running as its
 * child. The images' start scripts run `java` without `exec`: as PID 1 of a container that bash
 * ignores SIGTERM (the kernel drops signals PID 1 has no handler for), so a deleted pod only
 * ends at the grace period's SIGKILL; where the shell is not PID 1 SIGTERM ends the shell and
 * the JVM is killed with its container. Either way the member never leaves its groups cleanly.
 * An exported `java` function, which bash scripts inherit, makes the script's `java` an `exec`:
 * the JVM receives SIGTERM and its shutdown hook stops Atomix (`AtomixCluster - Stopped`).
 * `bash -c SCRIPT ENTRYPOINT ARGS...` makes $0 the entrypoint, so the script finds its root
 * as it does when run as the ENTRYPOINT.
 */
const JVM_GETS_SIGTERM = ['/bin/bash', '-c', 'java() { exec java "$@"; }; export -f java; exec "$0" "$@"'];
/**
 * Atomix members are replaced by the operator (src/controller/rollout.ts): one at a time, each
 * only while the rest of its group is Ready and writable; the StatefulSet controller's
 * RollingUpdate knows neither quorum nor the management group. Benchmark pods are plain
 * clients: the StatefulSet controller's default RollingUpdate rolls them.
 */
const OPERATOR_DRIVEN_UPDATES = { type: 'OnDelete' } as const;

export function statefulSet(ctx: ClusterContext, group: NodeGroup, meta: ObjectMeta): StatefulSetObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta,
    spec: {
      serviceName: group.governingService,
      replicas: group.replicas,
      // Atomix nodes wait for each other's quorum before they become ready.
      podManagementPolicy: 'Parallel',
      ...(isDataNodeGroup(group) ? { updateStrategy: OPERATOR_DRIVEN_UPDATES } : {}),
      selector: { matchLabels: selectorLabels(group.id) },
      template: podTemplate(ctx, group),
      ...(group.storage
        ? ({
            volumeClaimTemplates: [dataVolumeClaim(group.id, group.storage)],
            // Data outlives the group: a group removed by mistake can be re-added with its log.
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          } satisfies Partial<V1StatefulSetSpec>)
        : {}),
    },
  };
}

function podTemplate(ctx: ClusterContext, group: NodeGroup): V1PodTemplateSpec {
  return {
    metadata: {
      labels: podLabels(group.placement, groupLabels(group.id, ctx.version)),
      annotations: podAnnotations(group.placement, { [CONFIG_HASH_ANNOTATION]: sha256(group.atomixConfig).slice(0, 16) }),
    },
    spec: {
      // Service links would add a dozen variables per Service in the namespace to every JVM.
      enableServiceLinks: false,
      // Atomix never calls the Kubernetes API: no token in its pods.
      automountServiceAccountToken: false,
      securityContext: podSecurity(group.imageUser).pod,
      ...podPlacement(group.id, group.placement),
      ...(ctx.imagePullSecrets ? ({ imagePullSecrets: [...ctx.imagePullSecrets] } satisfies Partial<V1PodSpec>) : {}),
      containers: [atomixContainer(ctx, group)],
      volumes: [
        { name: 'config', configMap: { name: group.configMap } },
        ...(group.storage ? [] : [{ name: 'data', emptyDir: {} }]),
      ],
    },
  };
}

function atomixContainer(ctx: ClusterContext, group: NodeGroup): V1Container {
  return {
    name: 'atomix',
    image: group.image,
    imagePullPolicy: ctx.imagePullPolicy,
    command: [...JVM_GETS_SIGTERM, group.entrypoint],
    args: [...group.command, ...nodeArgs(ctx, group)],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ...group.env,
    ],
    ...(group.resources ? ({ resources: resourceRequirements(group.resources) } satisfies Partial<V1Container>) : {}),
    ports: [
      { name: 'http', containerPort: PORTS.http, protocol: 'TCP' },
      { name: 'node', containerPort: PORTS.node, protocol: 'TCP' },
      { name: 'gossip', containerPort: PORTS.node, protocol: 'UDP' },
    ],
    // Ready once the node has joined its groups: /v1/status answers only after Atomix started.
    // No initial delay: the startup probe already holds readiness back until the first answer.
    readinessProbe: { httpGet: { path: '/v1/status', port: 'http' }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
    // Atomix 3.1 can fail its start and linger without its REST API (messaging still up):
    // such a pod is restarted after 10 minutes instead of staying unready forever. A short
    // period, because the first success is what makes a starting member Ready (a 10 s period
    // added up to 10 s to every pod's start and to every step of a rolling restart).
    startupProbe: { httpGet: { path: '/v1/status', port: 'http' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 300 },
    // Alive as soon as messaging listens, so a node waiting for its quorum is not killed.
    livenessProbe: { tcpSocket: { port: 'node' }, initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    securityContext: podSecurity(group.imageUser).container,
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'data', mountPath: DATA_VOLUME_DIR },
    ],
  };
}

/** The Atomix agent's flags; `$(VAR)` is expanded by the kubelet from the container env. */
function nodeArgs(ctx: ClusterContext, group: NodeGroup): string[] {
  const address = `$(POD_NAME).${serviceFqdn(group.governingService, ctx.namespace, ctx.options.clusterDomain)}:${PORTS.node}`;
  const agentOnly = isDataNodeGroup(group);
  return [
    '--config', `${CONFIG_DIR}/${ATOMIX_CONFIG_FILE}`,
    '--member', '$(POD_NAME)',
    '--address', address,
    // The Kubernetes node is the Atomix host, which host-aware member groups spread across.
    ...(agentOnly ? ['--host', '$(NODE_NAME)'] : []),
    // The agent logs DEBUG to the console and to a rolling file in the container layer by default;
    // atomix-bench has no such options (they would become configuration keys Atomix refuses).
    ...(agentOnly ? ['--log-level', 'INFO', '--console-log-level', 'INFO', '--file-log-level', 'OFF'] : []),
    '--data-dir', DATA_DIR,
    '--http-port', String(PORTS.http),
  ];
}

/** Management and partition group members: Atomix servers, as opposed to benchmark clients. */
function isDataNodeGroup(group: Pick<NodeGroup, 'id'>): boolean {
  return group.id.role === 'management' || group.id.role === 'group';
}

function dataVolumeClaim(id: GroupIdentity, storage: StorageSpec): V1PersistentVolumeClaim {
  return {
    metadata: { name: 'data', labels: selectorLabels(id) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: storage.size } },
      ...(storage.className !== undefined ? ({ storageClassName: storage.className } satisfies Partial<V1PersistentVolumeClaimSpec>) : {}),
    },
  };
}

/**
 * The API server accepts a quantity as a JSON number as well as a string (the
 * schema allows both); client-node types quantities as strings only.
 */
function resourceRequirements(resources: ResourcesSpec): V1ResourceRequirements {
  return resources as V1ResourceRequirements;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
