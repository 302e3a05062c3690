// A container's environment as the kubelet builds it: the `kubernetes` Service's variables,
// then envFrom, then env in order, each `value` expanded against the variables defined before
// it; fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef resolved; the image's ENV
// underneath everything.
// Not done: the link variables of the namespace's other Services (enableServiceLinks), since
// nothing routes Service IPs here.
import type { V1Container, V1EnvVar, V1ObjectFieldSelector, V1Pod, V1ResourceFieldSelector } from '@kubernetes/client-node';
import { parseQuantity } from '../../kube/quantity.js';
import { expand, lookupIn } from './expansion.js';

/** ConfigMap and Secret contents of the pod's namespace (Secret values already decoded). */
export interface EnvSources {
  /** The variables every container starts with (KUBERNETES_SERVICE_HOST…); env and envFrom may override them. */
  services: ReadonlyMap<string, string>;
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
}

/** What the pod's sandbox and node contribute, before the pod's status says so. */
export interface PodAddresses {
  podIP: string;
  hostIP: string;
}

/** The node's allocatable resources: what resourceFieldRef reports for a resource without a limit. */
export interface NodeResources {
  cpu: string;
  memory: string;
  'ephemeral-storage': string;
}

export type EnvResolution =
  | { ok: true; env: Map<string, string> }
  /** reason as the kubelet reports it in containerStatuses[].state.waiting. */
  | { ok: false; reason: 'CreateContainerConfigError'; message: string };

/** A container that cannot be configured: reported as CreateContainerConfigError, retried on the next sync. */
class ContainerConfigError extends Error {}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The variables the kubelet passes for the container (without the image's ENV). */
export function containerEnv(pod: V1Pod, container: V1Container, addresses: PodAddresses, sources: EnvSources, node: NodeResources): EnvResolution {
  const namespace = pod.metadata?.namespace ?? '';
  const env = new Map(sources.services);
  try {
    for (const from of container.envFrom ?? []) {
      const reference = from.configMapRef ?? from.secretRef;
      const kind = from.configMapRef ? 'configmap' : 'secret';
      if (!reference) continue;
      const data = kind === 'configmap' ? sources.configMap(reference.name ?? '') : sources.secret(reference.name ?? '');
      if (data === undefined) {
        if (reference.optional) continue;
        throw new ContainerConfigError(`${kind} "${reference.name ?? ''}" not found`);
      }
      for (const [key, value] of Object.entries(data)) {
        const name = `${from.prefix ?? ''}${key}`;
        // The kubelet skips keys that are no valid variable names (and records an event).
        if (ENV_NAME.test(name)) env.set(name, value);
      }
    }
    for (const variable of container.env ?? []) {
      const value = variableValue(variable, { pod, container, addresses, sources, node, namespace, defined: env });
      if (value !== undefined) env.set(variable.name, value);
    }
  } catch (error) {
    if (error instanceof ContainerConfigError) return { ok: false, reason: 'CreateContainerConfigError', message: error.message };
    throw error;
  }
  return { ok: true, env };
}

/** The process environment: the image's ENV, overridden by the container's variables. */
export function processEnv(imageEnv: Record<string, string>, env: Map<string, string>): Record<string, string> {
  return { ...imageEnv, ...Object.fromEntries(env) };
}

interface VariableContext {
  pod: V1Pod;
  container: V1Container;
  addresses: PodAddresses;
  sources: EnvSources;
  node: NodeResources;
  namespace: string;
  defined: Map<string, string>;
}

/** The value of one env entry; undefined when an optional reference is missing (no variable at all). */
function variableValue(variable: V1EnvVar, context: VariableContext): string | undefined {
  const source = variable.valueFrom;
  if (source === undefined) return expand(variable.value ?? '', lookupIn(context.defined));
  if (source.fieldRef) return fieldValue(source.fieldRef, context.pod, context.addresses);
  if (source.resourceFieldRef) return resourceValue(source.resourceFieldRef, context);
  const keyRef = source.configMapKeyRef ?? source.secretKeyRef;
  if (keyRef) {
    const kind = source.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const data = kind === 'ConfigMap' ? context.sources.configMap(keyRef.name ?? '') : context.sources.secret(keyRef.name ?? '');
    if (data === undefined) {
      if (keyRef.optional) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${keyRef.name ?? ''}" not found`);
    }
    const value = Object.hasOwn(data, keyRef.key) ? data[keyRef.key] : undefined;
    if (value === undefined && !keyRef.optional) {
      throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind} ${context.namespace}/${keyRef.name ?? ''}`);
    }
    return value;
  }
  return '';
}

const LABEL_OR_ANNOTATION = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** A downward-API field of the pod, as env fieldRef and downwardAPI volume items read it. */
export function fieldValue(selector: V1ObjectFieldSelector, pod: V1Pod, addresses: PodAddresses): string {
  const { metadata = {}, spec } = pod;
  switch (selector.fieldPath) {
    case 'metadata.name':
      return metadata.name ?? '';
    case 'metadata.namespace':
      return metadata.namespace ?? '';
    case 'metadata.uid':
      return metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(metadata.labels);
    case 'metadata.annotations':
      return formatMap(metadata.annotations);
    case 'spec.nodeName':
      return spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addresses.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return addresses.podIP;
  }
  const match = LABEL_OR_ANNOTATION.exec(selector.fieldPath);
  if (match) {
    const map = match[1] === 'labels' ? metadata.labels : metadata.annotations;
    return map?.[match[2] ?? ''] ?? '';
  }
  throw new ContainerConfigError(`unsupported fieldPath ${selector.fieldPath}`);
}

/** key="value" lines, sorted, as the kubelet writes labels and annotations into downwardAPI files. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key])}`)
    .join('\n');
}

/** A container's requests or limits, divided by the divisor and rounded up; limits default to the node's allocatable. */
function resourceValue(selector: V1ResourceFieldSelector, context: VariableContext): string {
  const container = selector.containerName
    ? context.pod.spec?.containers.find((candidate) => candidate.name === selector.containerName)
    : context.container;
  const [kind, name = ''] = selector.resource.split('.', 2);
  const resource = name as keyof NodeResources;
  if ((kind !== 'limits' && kind !== 'requests') || !Object.hasOwn(context.node, resource)) {
    throw new ContainerConfigError(`unsupported resourceFieldRef resource ${selector.resource}`);
  }
  const limit = container?.resources?.limits?.[resource];
  const value = kind === 'limits' ? (limit ?? context.node[resource]) : (container?.resources?.requests?.[resource] ?? limit ?? '0');
  const amount = parseQuantity(value);
  const divisor = parseQuantity(selector.divisor ?? '1');
  if (!amount || !divisor || divisor.mantissa <= 0n) throw new ContainerConfigError(`invalid quantity in resourceFieldRef ${selector.resource}`);
  const shift = amount.exponent - divisor.exponent;
  const numerator = amount.mantissa * 10n ** BigInt(Math.max(shift, 0));
  const denominator = divisor.mantissa * 10n ** BigInt(Math.max(-shift, 0));
  return String((numerator + denominator - 1n) / denominator);
}
