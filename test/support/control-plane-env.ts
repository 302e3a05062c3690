import type { ControlPlane } from '../../src/local/control-plane.js';

/** How with-control-plane.ts tells the test processes where the shared control plane is. */
const names = {
  kubeconfig: 'KUBECONFIG',
  dir: 'ATOMIX_TEST_CONTROL_PLANE_DIR',
  auditLog: 'ATOMIX_TEST_AUDIT_LOG',
  nodes: 'ATOMIX_TEST_NODES',
  dns: 'ATOMIX_TEST_DNS',
} as const;

export interface ControlPlaneEnv {
  /** Admin kubeconfig file. */
  kubeconfigPath: string;
  dir: string;
  auditLogPath: string;
  nodeNames: string[];
  /** Cluster DNS (CoreDNS) on loopback. */
  dns: { address: string; port: number };
}

export function controlPlaneEnvOf(controlPlane: ControlPlane): Record<string, string> {
  return {
    [names.kubeconfig]: controlPlane.kubeconfigPath,
    [names.dir]: controlPlane.dir,
    [names.auditLog]: controlPlane.auditLogPath,
    [names.nodes]: controlPlane.nodeNames.join(','),
    ...(controlPlane.dns ? { [names.dns]: `${controlPlane.dns.address}:${controlPlane.dns.port}` } : {}),
  };
}

export function controlPlaneEnv(env: NodeJS.ProcessEnv = process.env): ControlPlaneEnv {
  const read = (name: string) => {
    const value = env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run integration tests through test/support/with-control-plane.ts (npm run test:integration)`,
      );
    }
    return value;
  };
  return {
    kubeconfigPath: read(names.kubeconfig),
    dir: read(names.dir),
    auditLogPath: read(names.auditLog),
    nodeNames: read(names.nodes).split(','),
    dns: addressAndPort(read(names.dns)),
  };
}

function addressAndPort(value: string): { address: string; port: number } {
  const colon = value.lastIndexOf(':');
  return { address: value.slice(0, colon), port: Number(value.slice(colon + 1)) };
}
