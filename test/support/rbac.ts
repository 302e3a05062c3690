// The shipped Role's rules granted cluster-wide, for an operator that must keep its permissions
// while namespaces it watches come and go (the benchmarks, the namespace-deletion test).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { RawRequester } from '../../src/kube/transport.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const ROLE_FILE = fileURLToPath(new URL('../../deploy/role.yaml', import.meta.url));

/** Creates ClusterRole `name` with deploy/role.yaml's rules, bound to ServiceAccount `account` of `accountNamespace`. */
export async function grantShippedRoleClusterWide(admin: RawRequester, name: string, account: string, accountNamespace: string): Promise<void> {
  const role = parse(readFileSync(ROLE_FILE, 'utf8')) as { rules: unknown[] };
  await admin.request({ method: 'POST', path: `${RBAC}/clusterroles`, body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: role.rules } });
  await admin.request({
    method: 'POST',
    path: `${RBAC}/clusterrolebindings`,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: accountNamespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    },
  });
}

export async function revokeClusterWide(admin: RawRequester, name: string): Promise<void> {
  await admin.request({ method: 'DELETE', path: `${RBAC}/clusterrolebindings/${name}` });
  await admin.request({ method: 'DELETE', path: `${RBAC}/clusterroles/${name}` });
}
