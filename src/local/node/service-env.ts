// The variables the kubelet gives every container for the `kubernetes` Service of the default
// namespace (always, whatever enableServiceLinks says), in the Docker-link format it uses for
// Services: the in-cluster client configuration reads KUBERNETES_SERVICE_HOST and _PORT.
// Here they name the address where the control plane relays pods' connections to the API
// server (apiserver-proxy.ts), not the Service's ClusterIP: nothing routes ClusterIPs here.
import type { Endpoint } from '../apiserver-proxy.js';

/** The `kubernetes` Service's one port is named https. */
const PORT_NAME = 'HTTPS';

export function kubernetesServiceVariables(endpoint: Endpoint | undefined): ReadonlyMap<string, string> {
  if (!endpoint) return new Map();
  const { host, port } = endpoint;
  const url = `tcp://${host}:${port}`;
  const prefix = `KUBERNETES_PORT_${port}_TCP`;
  return new Map([
    ['KUBERNETES_SERVICE_HOST', host],
    ['KUBERNETES_SERVICE_PORT', String(port)],
    [`KUBERNETES_SERVICE_PORT_${PORT_NAME}`, String(port)],
    ['KUBERNETES_PORT', url],
    [prefix, url],
    [`${prefix}_PROTO`, 'tcp'],
    [`${prefix}_PORT`, String(port)],
    [`${prefix}_ADDR`, host],
  ]);
}
