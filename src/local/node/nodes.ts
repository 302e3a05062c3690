// The Node objects of the local nodes: registered Ready and untainted, with the kubelet port
// the API server calls for logs, and a periodic heartbeat of their conditions.
import type { KubeClient } from '../../kube/client.js';
import { collectionPath, objectPath, resources } from '../../kube/resources.js';
import { timestamp } from './pod-status.js';
import { unlessStatus } from './provisioner.js';

export interface LocalNode {
  name: string;
  /** The address the API server reaches the node's kubelet port at (and the pods' hostIP). */
  address: string;
  kubeletPort: number;
  readySince: string;
}

/** What the node reports as allocatable (resourceFieldRef falls back to it). */
export const NODE_RESOURCES = { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '1Ti' };

export async function registerNode(client: KubeClient, node: LocalNode, podMode: string): Promise<void> {
  const labels = { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
  await client.request({ method: 'POST', path: collectionPath(resources.nodes), body: { metadata: { name: node.name, labels } } }).catch(unlessStatus(409));
  const path = objectPath(resources.nodes, undefined, node.name);
  const jsonPatch = 'application/json-patch+json';
  // The TaintNodesByCondition admission plugin taints every new node as not
  // ready; the node lifecycle controller that would lift the taint does not run.
  await client.request({ method: 'PATCH', path, contentType: jsonPatch, body: [{ op: 'add', path: '/spec/taints', value: [] }] });
  await client.request({ method: 'PATCH', path: `${path}/status`, contentType: jsonPatch, body: [{ op: 'add', path: '/status', value: nodeStatus(node, podMode) }] });
}

export function heartbeat(client: KubeClient, node: LocalNode, podMode: string): Promise<unknown> {
  const body = [{ op: 'add', path: '/status/conditions', value: nodeStatus(node, podMode).conditions }];
  return client.request({ method: 'PATCH', path: `${objectPath(resources.nodes, undefined, node.name)}/status`, contentType: 'application/json-patch+json', body });
}

function nodeStatus(node: LocalNode, podMode: string) {
  const now = timestamp();
  const condition = (type: string, status: string, reason: string) => ({ type, status, reason, lastHeartbeatTime: now, lastTransitionTime: node.readySince });
  return {
    capacity: NODE_RESOURCES,
    allocatable: NODE_RESOURCES,
    conditions: [
      condition('Ready', 'True', 'KubeletReady'),
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
    ],
    addresses: [
      { type: 'InternalIP', address: node.address },
      { type: 'Hostname', address: node.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: node.kubeletPort } },
    nodeInfo: {
      machineID: node.name,
      systemUUID: node.name,
      bootID: node.name,
      kernelVersion: 'local',
      osImage: `atomix-operator local node (${podMode} pods)`,
      containerRuntimeVersion: 'local://0',
      kubeletVersion: 'v0.0.0-local',
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}
