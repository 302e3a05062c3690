// charts/atomix-operator with the real helm: lint and template with the value sets users pick,
// checked against deploy/ (the chart renders deploy/'s RBAC rules and pod spec) and the values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { V1Deployment, V1PolicyRule, V1RoleBinding } from '@kubernetes/client-node';
import { readManifest, repoRoot } from '../../support/manifests.js';
import { CHART, helm, helmTemplate, valuesArgs, type RenderedObject } from '../../support/helm.js';

const NAMESPACE = 'operators';
// deploy/'s names: with this release name the chart's defaults must reproduce deploy/ exactly.
const RELEASE = 'atomix-operator';

const deployFile = readManifest('deploy/operator.yaml') as V1Deployment;
const operatorRules = (readManifest('deploy/role.yaml') as { rules: V1PolicyRule[] }).rules;
const leaseRules = (parseAllDocuments(readFileSync(`${repoRoot}/deploy/leader_election.yaml`, 'utf8'))[0]?.toJS() as { rules: V1PolicyRule[] }).rules;

// The chart reads copies of deploy/'s files: after changing deploy/, npm run chart.
const STALE = 'the chart disagrees with deploy/ (after changing deploy/, run npm run chart)';

const VALUE_SETS: Record<string, object> = {
  'namespaced (the defaults)': {},
  'cluster-wide, all namespaces': { watch: { scope: 'cluster' } },
  'cluster-wide, listed namespaces': { watch: { scope: 'cluster', namespaces: ['team-a', 'team-b'] } },
  'leader election on, 2 replicas': { leaderElection: { enabled: true }, replicas: 2 },
  'ServiceMonitor on': { metrics: { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } } } },
  'own image, pull secrets, resources, placement': {
    image: { repository: 'registry.example.org/atomix-operator', tag: '0.2.0-rc.1', pullPolicy: 'Always' },
    imagePullSecrets: [{ name: 'registry-credentials' }],
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '192Mi' } },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    podAnnotations: { 'example.org/team': 'storage' },
  },
};

const objectsOfKind = (objects: RenderedObject[], kind: string): RenderedObject[] => objects.filter((object) => object.kind === kind);
const one = (objects: RenderedObject[], kind: string): RenderedObject => {
  const found = objectsOfKind(objects, kind);
  assert.equal(found.length, 1, `one ${kind}, got ${kinds(found).join(', ') || 'none'}`);
  return found[0] as RenderedObject;
};
const bindings = (objects: RenderedObject[], kind: 'RoleBinding' | 'ClusterRoleBinding') => objectsOfKind(objects, kind) as unknown[] as V1RoleBinding[];
const deploymentOf = (objects: RenderedObject[]) => one(objects, 'Deployment') as unknown as V1Deployment;
const kinds = (objects: RenderedObject[]) => objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort();
const podSpec = (deployment: V1Deployment) => {
  const pod = deployment.spec?.template.spec;
  assert.ok(pod, 'a pod template');
  return pod;
};
const operatorContainer = (deployment: V1Deployment) => {
  const container = podSpec(deployment).containers[0];
  assert.ok(container, 'a container');
  return container;
};
const watchNamespaceEnv = (deployment: V1Deployment) => operatorContainer(deployment).env?.filter((variable) => variable.name === 'WATCH_NAMESPACE');

describe('helm lint', () => {
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    test(`passes --strict with ${name}`, async () => {
      const result = await helm(['lint', '--strict', CHART, ...valuesArgs(values)]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('helm template agrees with deploy/', () => {
  test('with the defaults: the operator pod spec, Deployment strategy and Role rules are deploy/\'s, nothing cluster-wide', async () => {
    const objects = await helmTemplate(RELEASE, NAMESPACE);
    assert.deepEqual(kinds(objects), [
      `Deployment/${NAMESPACE}/atomix-operator`,
      `Role/${NAMESPACE}/atomix-operator`,
      `RoleBinding/${NAMESPACE}/atomix-operator`,
      `Service/${NAMESPACE}/atomix-operator-metrics`,
      `ServiceAccount/${NAMESPACE}/atomix-operator`,
    ]);
    const deployment = deploymentOf(objects);
    assert.deepEqual(podSpec(deployment), podSpec(deployFile), STALE);
    assert.deepEqual(
      { replicas: deployment.spec?.replicas, strategy: deployment.spec?.strategy },
      { replicas: deployFile.spec?.replicas, strategy: deployFile.spec?.strategy },
    );
    assert.deepEqual(one(objects, 'Role')['rules'], operatorRules, STALE);
    const binding = one(objects, 'RoleBinding') as unknown as V1RoleBinding;
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'atomix-operator' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'atomix-operator', namespace: NAMESPACE }]);
  });

  test('cluster-wide over all namespaces: deploy/role.yaml\'s rules as a ClusterRole, bound cluster-wide, WATCH_NAMESPACE empty', async () => {
    const objects = await helmTemplate(RELEASE, NAMESPACE, VALUE_SETS['cluster-wide, all namespaces'] ?? {});
    assert.deepEqual(one(objects, 'ClusterRole')['rules'], operatorRules, STALE);
    assert.deepEqual(bindings(objects, 'ClusterRoleBinding').map((binding) => binding.roleRef), [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'atomix-operator' }]);
    assert.deepEqual(objectsOfKind(objects, 'Role'), []);
    assert.deepEqual(objectsOfKind(objects, 'RoleBinding'), []);
    assert.deepEqual(watchNamespaceEnv(deploymentOf(objects)), [{ name: 'WATCH_NAMESPACE', value: '' }]);
  });

  test('cluster-wide over listed namespaces: the ClusterRole bound in each of them only, WATCH_NAMESPACE lists them', async () => {
    const objects = await helmTemplate(RELEASE, NAMESPACE, VALUE_SETS['cluster-wide, listed namespaces'] ?? {});
    assert.deepEqual(one(objects, 'ClusterRole')['rules'], operatorRules, STALE);
    assert.deepEqual(objectsOfKind(objects, 'ClusterRoleBinding'), []);
    const roleBindings = bindings(objects, 'RoleBinding');
    assert.deepEqual(roleBindings.map((binding) => binding.metadata?.namespace), ['team-a', 'team-b']);
    for (const binding of roleBindings) {
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'atomix-operator' });
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'atomix-operator', namespace: NAMESPACE }]);
    }
    assert.deepEqual(watchNamespaceEnv(deploymentOf(objects)), [{ name: 'WATCH_NAMESPACE', value: 'team-a,team-b' }]);
  });

  test('leader election on: deploy/leader_election.yaml\'s Lease rules in the release namespace, run --leader-elect there, rolling updates', async () => {
    const objects = await helmTemplate(RELEASE, NAMESPACE, VALUE_SETS['leader election on, 2 replicas'] ?? {});
    const leaseRole = objectsOfKind(objects, 'Role').find((role) => role.metadata.name === 'atomix-operator-leader-election');
    assert.ok(leaseRole, kinds(objects).join(', '));
    assert.equal(leaseRole.metadata.namespace, NAMESPACE);
    assert.deepEqual(leaseRole['rules'], leaseRules, STALE);
    const leaseBinding = bindings(objects, 'RoleBinding').find((binding) => binding.metadata?.name === 'atomix-operator-leader-election');
    assert.deepEqual(leaseBinding?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'atomix-operator-leader-election' });
    const deployment = deploymentOf(objects);
    assert.deepEqual({ replicas: deployment.spec?.replicas, strategy: deployment.spec?.strategy }, { replicas: 2, strategy: { type: 'RollingUpdate' } });
    assert.deepEqual(operatorContainer(deployment).args, [...(operatorContainer(deployFile).args ?? []), '--leader-elect', '--lease-namespace', NAMESPACE]);
  });

  test('leader election off (the default): no Lease rule anywhere', async () => {
    for (const values of [{}, VALUE_SETS['cluster-wide, all namespaces'] ?? {}]) {
      const objects = await helmTemplate(RELEASE, NAMESPACE, values);
      const rules = [...objectsOfKind(objects, 'Role'), ...objectsOfKind(objects, 'ClusterRole')].flatMap((role) => role['rules'] as V1PolicyRule[]);
      assert.ok(rules.length > 0);
      assert.ok(!rules.some((rule) => rule.resources?.includes('leases')));
      assert.ok(!operatorContainer(deploymentOf(objects)).args?.includes('--leader-elect'));
    }
  });
});

describe('helm template with values', () => {
  test('the metrics Service targets the pod\'s metrics port; a ServiceMonitor scrapes it only when asked for', async () => {
    const plain = await helmTemplate(RELEASE, NAMESPACE);
    assert.deepEqual(objectsOfKind(plain, 'ServiceMonitor'), []);
    const objects = await helmTemplate(RELEASE, NAMESPACE, VALUE_SETS['ServiceMonitor on'] ?? {});
    const service = one(objects, 'Service');
    const metricsPort = operatorContainer(deployFile).ports?.find((port) => port.name === 'metrics')?.containerPort;
    assert.deepEqual((service['spec'] as { ports: unknown }).ports, [{ name: 'metrics', port: metricsPort, targetPort: 'metrics', protocol: 'TCP' }]);
    const podLabels = deploymentOf(objects).spec?.template.metadata?.labels ?? {};
    const selector = (service['spec'] as { selector: Record<string, string> }).selector;
    assert.deepEqual({ ...podLabels, ...selector }, podLabels, 'the Service selects the operator pod');
    const monitor = one(objects, 'ServiceMonitor');
    assert.equal(monitor.metadata.labels?.['release'], 'prometheus');
    const spec = monitor['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: unknown };
    assert.deepEqual({ ...service.metadata.labels, ...spec.selector.matchLabels }, service.metadata.labels, 'the ServiceMonitor selects the Service');
    assert.deepEqual(spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    const withoutService = await helmTemplate(RELEASE, NAMESPACE, { metrics: { service: { enabled: false } } });
    assert.deepEqual(objectsOfKind(withoutService, 'Service'), []);
  });

  test('image, pull secrets, resources, node selector and pod annotations go into deploy/\'s pod spec, the rest of it unchanged', async () => {
    const objects = await helmTemplate('operator', NAMESPACE, VALUE_SETS['own image, pull secrets, resources, placement'] ?? {});
    const deployment = deploymentOf(objects);
    const pod = podSpec(deployment);
    const container = operatorContainer(deployment);
    assert.deepEqual(
      { image: container.image, imagePullPolicy: container.imagePullPolicy, resources: container.resources },
      { image: 'registry.example.org/atomix-operator:0.2.0-rc.1', imagePullPolicy: 'Always', resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '192Mi' } } },
    );
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'registry-credentials' }]);
    assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(deployment.spec?.template.metadata?.annotations, { 'example.org/team': 'storage' });
    // The release is named `operator`: every object is atomix-operator-operator.
    assert.equal(pod.serviceAccountName, 'atomix-operator-operator');
    const overridden = new Set(['image', 'imagePullPolicy', 'resources']);
    const unchanged = (fields: object) => Object.fromEntries(Object.entries(fields).filter(([field]) => !overridden.has(field)));
    assert.deepEqual(unchanged(container), unchanged(operatorContainer(deployFile)));
    assert.deepEqual(pod.securityContext, podSpec(deployFile).securityContext);
  });

  const REJECTED: { name: string; values: object; error: RegExp }[] = [
    { name: 'an unknown value', values: { replica: 2 }, error: /additional properties 'replica' not allowed/ },
    { name: 'a misspelt scope', values: { watch: { scope: 'cluster-wide' } }, error: /at '\/watch\/scope'/ },
    { name: 'a namespace that is no DNS label', values: { watch: { scope: 'cluster', namespaces: ['Team_A'] } }, error: /at '\/watch\/namespaces\/0'/ },
    { name: 'a pull policy Kubernetes does not know', values: { image: { pullPolicy: 'Sometimes' } }, error: /at '\/image\/pullPolicy'/ },
    { name: '2 replicas without leader election', values: { replicas: 2 }, error: /replicas: 2 replicas need leaderElection.enabled=true/ },
    { name: 'listed namespaces with scope namespace', values: { watch: { namespaces: ['team-a'] } }, error: /watch.namespaces: listed namespaces need watch.scope=cluster/ },
  ];
  for (const { name, values, error } of REJECTED) {
    test(`refuses ${name}, naming the value`, async () => {
      const result = await helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...valuesArgs(values)]);
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stderr, error);
      assert.equal(result.stdout, '');
    });
  }
});

describe('the README documents the values', () => {
  // Leaves of values.yaml: scalars, and the maps and lists the user fills in.
  const leaves = (values: Record<string, unknown>, prefix = ''): [string, unknown][] =>
    Object.entries(values).flatMap(([key, value]) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
        ? leaves(value as Record<string, unknown>, `${prefix}${key}.`)
        : [[`${prefix}${key}`, value]],
    );
  const shown = (value: unknown) => (typeof value === 'string' && value !== '' ? value : JSON.stringify(value));

  test('its values table has one row per value of values.yaml, with its default', () => {
    const defaults = leaves(readManifest('charts/atomix-operator/values.yaml'));
    const readme = readFileSync(`${repoRoot}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Installing with Helm'), readme.indexOf('\n## ', readme.indexOf('## Installing with Helm')));
    const rows = [...section.matchAll(/^\| `([\w.]+)` \| `([^`]*)` \|/gm)].map(([, name, value]) => [name, value]);
    assert.deepEqual(rows, defaults.map(([name, value]) => [name, shown(value)]));
  });

  test('values.schema.json describes every value of values.yaml', () => {
    const schema = readManifest('charts/atomix-operator/values.schema.json');
    for (const [name] of leaves(readManifest('charts/atomix-operator/values.yaml'))) {
      const property = name.split('.').reduce<Record<string, unknown> | undefined>(
        (node, key) => (node?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.[key],
        schema,
      );
      assert.equal(typeof property?.['description'], 'string', `${name} is described`);
    }
  });
});
