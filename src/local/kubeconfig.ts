import { statusCodeOf } from '../kube/errors.js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ClusterAccess {
  server: string;
  caPem: string;
}

/** A KubeConfig with a single context that authenticates with a bearer token. */
export function kubeConfigForToken(cluster: ClusterAccess, token: string, userName = 'user'): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: userName, token }],
    contexts: [{ name: userName, cluster: 'local', user: userName }],
    currentContext: userName,
  });
  return kubeConfig;
}

/** The kubeconfig file format (YAML) of a KubeConfig. */
export function kubeconfigYaml(kubeConfig: KubeConfig): string {
  return stringify(JSON.parse(kubeConfig.exportConfig()));
}

/**
 * A KubeConfig for a ServiceAccount with a real token from the TokenRequest API,
 * so requests are authorized exactly by the RBAC bound to that ServiceAccount.
 * Creates the ServiceAccount if it does not exist.
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name: string,
  expirationSeconds = 24 * 3600,
): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch((error: unknown) => {
    if (statusCodeOf(error) !== 409) throw error;
  });
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = tokenRequest.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  return kubeConfigForToken(clusterAccessOf(admin), token, `system:serviceaccount:${namespace}:${name}`);
}

/** Server URL and CA of the current cluster of a KubeConfig that embeds its CA. */
export function clusterAccessOf(kubeConfig: KubeConfig): ClusterAccess {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.caData) throw new Error('the current cluster of this KubeConfig has no embedded CA');
  return { server: cluster.server, caPem: Buffer.from(cluster.caData, 'base64').toString() };
}
