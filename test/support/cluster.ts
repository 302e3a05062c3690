/**
 * Helpers for integration tests that run against the control plane started by
 * with-control-plane.ts.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { writeRequests, type AuditedRequest } from '../../src/local/audit-log.js';
import { serviceAccountKubeConfig as tokenRequestKubeConfig } from '../../src/local/kubeconfig.js';
import { waitUntil } from '../../src/local/readiness.js';
import { controlPlaneEnv } from './control-plane-env.js';

export { READINESS_ANNOTATION as readinessAnnotation } from '../../src/local/node/simulated-pods.js';
export type { AuditedRequest } from '../../src/local/audit-log.js';

/** The user name of the admin KubeConfig, as it appears in the audit log. */
export const adminUser = 'admin';

/** A KubeConfig for user "admin" (system:masters). */
export function adminKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlaneEnv().kubeconfigPath);
  return kubeConfig;
}

/**
 * A KubeConfig authenticated as a ServiceAccount (created if missing) with a
 * TokenRequest token: it can do exactly what RBAC grants that ServiceAccount.
 * Its audit log user is system:serviceaccount:<namespace>:<name>.
 */
export function serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig> {
  return tokenRequestKubeConfig(adminKubeConfig(), namespace, name);
}

/** Names of the nodes the node agent runs. */
export function nodeNames(): string[] {
  return controlPlaneEnv().nodeNames;
}

/**
 * Creates a namespace with a unique name starting with prefix and deletes it
 * when the enclosing test, suite or file is done: call it in a test, a describe
 * body or at the top level, not in a before hook (it would be deleted right
 * after the hook). `labels` go on the namespace, e.g. Pod Security's.
 */
export function createTestNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  // Registered synchronously, so it binds to the caller's test or suite.
  after(async () => {
    await core.deleteNamespace({ name });
  });
  return core.createNamespace({ body: { metadata: { name, labels: { ...labels, 'local.atomix.io/test': 'true' } } } }).then(() => name);
}

/**
 * Polls predicate until it returns something other than undefined or false,
 * and returns that. Errors thrown by predicate count as "not yet"; the last one
 * is part of the timeout message.
 */
export function waitFor<T>(
  predicate: () => Promise<T | undefined | false> | T | undefined | false,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  return waitUntil(async () => predicate(), { timeoutMs: 30_000, intervalMs: 200, ...options });
}

/** Write requests received by the apiserver at or after since, optionally of one user, oldest first. */
export function auditedWrites(filter: { user?: string; since?: Date } = {}): AuditedRequest[] {
  return writeRequests(controlPlaneEnv().auditLogPath, filter);
}

/** The number of write requests of user since the given time. */
export function countWrites(user: string, since: Date): number {
  return auditedWrites({ user, since }).length;
}
