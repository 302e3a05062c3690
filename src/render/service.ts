import type { Labels } from './labels.js';
import type { V1ServicePort } from '@kubernetes/client-node';
import type { ObjectMeta, ServiceObject } from './meta.js';
import { PORTS } from './ports.js';

type PortName = keyof typeof PORTS;

/**
 * A headless Service that publishes pods before they are ready: Atomix nodes
 * must find each other to form the quorum that makes them ready.
 */
export function headlessService(meta: ObjectMeta, selector: Labels, ports: readonly PortName[]): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: ports.map((name) => servicePort(name)),
    },
  };
}

/** A ClusterIP Service, for what an Ingress routes to. */
export function clusterIpService(meta: ObjectMeta, selector: Labels, ports: readonly PortName[]): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: { type: 'ClusterIP', selector, ports: ports.map((name) => servicePort(name)) },
  };
}

function servicePort(name: PortName): V1ServicePort {
  return { name, port: PORTS[name], targetPort: name, protocol: 'TCP' };
}
