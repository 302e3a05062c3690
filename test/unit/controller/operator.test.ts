// The running operator against an in-memory API server: what its caches list and watch, which
// changes wake which cluster, the writes a pass makes through its API glue (applies, prunes,
// pod deletions, status, Events), its timers, logs and metrics, and a clean stop.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { KubernetesObject, V1StatefulSet } from '@kubernetes/client-node';
import { Operator, type OperatorOptions } from '../../../src/controller/operator.js';
import { readinessProber } from '../../../src/controller/group-probe.js';
import { OperatorMetrics } from '../../../src/kube/metrics.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { renderCluster } from '../../../src/render/index.js';
import { withAppliedHash } from '../../../src/kube/hash.js';
import { exampleCluster } from '../../support/manifests.js';
import { InMemoryApi } from './in-memory-api.js';

const NAMESPACE = 'prod';
const CLUSTER = 'example-atomixcluster';
const KEY = `${NAMESPACE}/${CLUSTER}`;
const CLUSTERS = 'agent.atomix.io/atomixclusters';
const STATEFULSETS = 'apps/statefulsets';
const CONFIGMAPS = '/configmaps';
const PODS = '/pods';
const MANAGEMENT = `${CLUSTER}-management`;

interface Log {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Waits until `check` holds (the operator works in the background); fails with `what` after five seconds. */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await check()); waited += 10) {
    if (waited > 5_000) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** An API server holding the README example in `prod` (generation 1). */
function apiWithCluster(): { api: InMemoryApi; uid: string } {
  const api = new InMemoryApi();
  const cluster = exampleCluster(undefined, NAMESPACE);
  const stored = api.put(CLUSTERS, { ...cluster, metadata: { name: CLUSTER, namespace: NAMESPACE, generation: 1 } });
  return { api, uid: stored.metadata?.uid ?? '' };
}

/** Starts an operator on `api` (groups judged by readiness unless `rolloutDefaults`), recording the keys it queues and what it logs; stopped when the test ends. */
async function startOn(t: TestContext, api: InMemoryApi, options: Partial<OperatorOptions> = {}, rolloutDefaults = false) {
  const logs: Log[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Log) });
  const operator = new Operator({ client: api, log, namespaces: [NAMESPACE], ...(rolloutDefaults ? {} : { rollout: { prober: readinessProber } }), ...options });
  const queued: string[] = [];
  const add = operator.queue.add.bind(operator.queue);
  operator.queue.add = (key) => {
    queued.push(key);
    add(key);
  };
  assert.equal(operator.ready(), false, 'not ready before its caches synced');
  await operator.start();
  t.after(() => operator.stop());
  return { operator, queued, logs };
}

/** Waits for the cluster's first status write: its first pass is over. */
async function firstPass(api: InMemoryApi): Promise<void> {
  await eventually('the first status write', () => api.get(CLUSTERS, NAMESPACE, CLUSTER)?.['status'] !== undefined);
}

/** Waits until the operator has sent nothing for 100 ms: the passes the first one caused are over. */
async function settled(api: InMemoryApi): Promise<void> {
  for (let sent = -1; sent !== api.requests.length; ) {
    sent = api.requests.length;
    await sleep(100);
  }
}

/** The Events the operator posted, as `type reason`. */
function postedEvents(api: InMemoryApi): string[] {
  return api.requests
    .filter((request) => request.method === 'POST')
    .map((request) => request.body as { type: string; reason: string })
    .map((event) => `${event.type} ${event.reason}`);
}

/** A cached object's metadata, edited: someone else's change. */
function edited(object: KubernetesObject | undefined, change: (object: KubernetesObject & Record<string, unknown>) => void): KubernetesObject & Record<string, unknown> {
  assert.ok(object, 'the object is stored');
  const copy = structuredClone(object) as KubernetesObject & Record<string, unknown>;
  change(copy);
  return copy;
}

describe('the caches', () => {
  test('list and watch each kind in each namespace, the owned kinds and pods by label, Events by source', async (t) => {
    const api = new InMemoryApi();
    await startOn(t, api, { namespaces: ['a', 'b'], watchTimeoutSeconds: 3 });
    const lists = (collection: string) =>
      api.collection(collection).listCalls.map((call) => `${call.path}?${String(call.query.labelSelector ?? '')}&${String(call.query.fieldSelector ?? '')}`);
    const owned = 'app.kubernetes.io/managed-by=atomix-operator';
    assert.deepEqual(lists(CLUSTERS), ['/apis/agent.atomix.io/v1alpha1/namespaces/a/atomixclusters?&', '/apis/agent.atomix.io/v1alpha1/namespaces/b/atomixclusters?&']);
    assert.deepEqual(lists(STATEFULSETS), [`/apis/apps/v1/namespaces/a/statefulsets?${owned}&`, `/apis/apps/v1/namespaces/b/statefulsets?${owned}&`]);
    for (const collection of ['/services', CONFIGMAPS, 'policy/poddisruptionbudgets', 'networking.k8s.io/ingresses']) {
      assert.equal(lists(collection).length, 2, `${collection} is listed in both namespaces`);
      assert.ok(lists(collection).every((call) => call.endsWith(`?${owned}&`)), `${collection} by the operator's label`);
    }
    assert.deepEqual(lists(PODS), [`/api/v1/namespaces/a/pods?${owned},agent.atomix.io/node=server&`, `/api/v1/namespaces/b/pods?${owned},agent.atomix.io/node=server&`]);
    assert.deepEqual(lists('/events'), [
      '/api/v1/namespaces/a/events?&involvedObject.kind=StatefulSet,source=statefulset-controller',
      '/api/v1/namespaces/b/events?&involvedObject.kind=StatefulSet,source=statefulset-controller',
    ]);
    await eventually('the watches', () => api.collection(CLUSTERS).watchCalls.length === 2);
    assert.deepEqual(api.collection(CLUSTERS).watchCalls.map((call) => call.query.timeoutSeconds), [3, 3]);
  });

  test('watch every namespace when none is named, with the informers’ own watch timeout', async (t) => {
    const api = new InMemoryApi();
    const { logs } = await startOn(t, api, { namespaces: [] });
    assert.deepEqual(api.collection(CLUSTERS).listCalls.map((call) => call.path), ['/apis/agent.atomix.io/v1alpha1/atomixclusters']);
    await eventually('the watch', () => api.collection(CLUSTERS).watchCalls.length === 1);
    assert.equal(api.collection(CLUSTERS).watchCalls[0]?.query.timeoutSeconds, 7);
    const synced = logs.find((line) => line.msg === 'caches synced; reconciling');
    assert.equal(synced?.['namespaces'], 'all');
  });

  test('say which namespaces they synced', async (t) => {
    const { operator, logs } = await startOn(t, new InMemoryApi());
    assert.equal(operator.ready(), true);
    assert.deepEqual(logs.find((line) => line.msg === 'caches synced; reconciling')?.['namespaces'], [NAMESPACE]);
  });
});

describe('a pass through the API glue', () => {
  test('applies every rendered object with the operator’s field manager, writes the status, says what it created', async (t) => {
    const { api } = apiWithCluster();
    await startOn(t, api, { instance: 'unit-test' });
    await firstPass(api);
    const applies = api.requests.filter((request) => request.method === 'PATCH' && request.contentType === 'application/apply-patch+yaml' && !request.path.endsWith('/status'));
    assert.equal(applies.length, renderCluster(exampleCluster(undefined, NAMESPACE)).length);
    assert.ok(applies.every((request) => request.query?.['fieldManager'] === 'atomix-operator'));
    await eventually('the Created Event', () => postedEvents(api).includes('Normal Created'));
    const event = api.requests.find((request) => request.method === 'POST')?.body as { reportingController: string; reportingInstance: string; action: string; regarding: { name: string } };
    assert.deepEqual(
      { controller: event.reportingController, instance: event.reportingInstance, action: event.action, regarding: event.regarding.name },
      { controller: 'agent.atomix.io/atomix-operator', instance: 'unit-test', action: 'Reconcile', regarding: CLUSTER },
    );
  });

  test('names itself atomix-operator in Events by default', async (t) => {
    const { api } = apiWithCluster();
    await startOn(t, api);
    await eventually('an Event', () => postedEvents(api).length > 0);
    assert.equal((api.requests.find((request) => request.method === 'POST')?.body as { reportingInstance: string }).reportingInstance, 'atomix-operator');
  });

  test('renders with the cluster domain given, cluster.local by default', async (t) => {
    const configOf = (api: InMemoryApi) => JSON.stringify(api.get(CONFIGMAPS, NAMESPACE, `${MANAGEMENT}-config`));
    const custom = apiWithCluster().api;
    await startOn(t, custom, { renderOptions: { clusterDomain: 'example.internal' } });
    await firstPass(custom);
    assert.match(configOf(custom), /example\.internal/);
    const standard = apiWithCluster().api;
    await startOn(t, standard);
    await firstPass(standard);
    assert.match(configOf(standard), /cluster\.local/);
    assert.doesNotMatch(configOf(standard), /example\.internal/);
  });

  test('deletes what the cluster controls but no longer wants, found through the cache of its objects', async (t) => {
    const { api, uid } = apiWithCluster();
    await startOn(t, api);
    await firstPass(api);
    api.put(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${CLUSTER}-removed-config`,
        namespace: NAMESPACE,
        labels: { 'app.kubernetes.io/managed-by': 'atomix-operator' },
        ownerReferences: [{ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: CLUSTER, uid, controller: true }],
      },
    });
    await eventually('the orphan deleted', () => api.get(CONFIGMAPS, NAMESPACE, `${CLUSTER}-removed-config`) === undefined);
    assert.ok(api.sent('DELETE').includes(`DELETE /api/v1/namespaces/${NAMESPACE}/configmaps/${CLUSTER}-removed-config`));
  });

  test('reports a StatefulSet whose pods cannot be created, from the StatefulSet controller’s Events, in a Warning', async (t) => {
    const { api } = apiWithCluster();
    await startOn(t, api);
    await firstPass(api);
    const statefulSet = api.get(STATEFULSETS, NAMESPACE, MANAGEMENT);
    api.put('/events', {
      metadata: { name: 'e1', namespace: NAMESPACE, creationTimestamp: '2026-12-01T10:00:00Z' as unknown as Date },
      involvedObject: { kind: 'StatefulSet', namespace: NAMESPACE, name: MANAGEMENT, uid: statefulSet?.metadata?.uid },
      reason: 'FailedCreate',
      message: `create Pod ${MANAGEMENT}-0 in StatefulSet ${MANAGEMENT} failed error: pods "${MANAGEMENT}-0" is forbidden: exceeded quota`,
    });
    const degraded = () => (api.get(CLUSTERS, NAMESPACE, CLUSTER)?.['status'] as { conditions?: { type: string; reason: string }[] }).conditions?.find((c) => c.type === 'Degraded');
    await eventually('Degraded PodCreateFailed', () => degraded()?.reason === 'PodCreateFailed');
    await eventually('the Warning', () => postedEvents(api).includes('Warning PodCreateFailed'));
  });

  test('replaces an outdated member, found through the cache of the cluster’s pods', async (t) => {
    const { api } = apiWithCluster();
    await startOn(t, api);
    await firstPass(api);
    const statefulSet = api.get(STATEFULSETS, NAMESPACE, MANAGEMENT) as V1StatefulSet & KubernetesObject & Record<string, unknown>;
    api.put(STATEFULSETS, edited(statefulSet, (object) => void (object['status'] = { observedGeneration: 1, replicas: 1, updateRevision: 'r2' })));
    // The raft members are Ready (their StatefulSet has no update revision yet): nothing else is in flight.
    const raft = api.get(STATEFULSETS, NAMESPACE, `${CLUSTER}-raft`) as V1StatefulSet & KubernetesObject;
    for (const ordinal of [0, 1, 2]) {
      api.put(PODS, {
        metadata: { name: `${CLUSTER}-raft-${String(ordinal)}`, namespace: NAMESPACE, labels: { ...raft.spec?.template.metadata?.labels } },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
    api.put(PODS, {
      metadata: { name: `${MANAGEMENT}-0`, namespace: NAMESPACE, labels: { ...statefulSet.spec?.template.metadata?.labels, 'controller-revision-hash': 'r1' } },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    });
    await eventually('the pod deleted', () => api.get(PODS, NAMESPACE, `${MANAGEMENT}-0`) === undefined);
    await eventually('the MemberReplaced Event', () => postedEvents(api).includes('Normal MemberReplaced'));
  });

  test('does not put back objects in a namespace being deleted', async (t) => {
    const { api } = apiWithCluster();
    await startOn(t, api);
    await firstPass(api);
    // The status now says the spec was seen: a later pass only repairs, and asks about the namespace first.
    await settled(api);
    api.terminating.add(NAMESPACE);
    const before = api.sent('PATCH').length;
    api.remove(CONFIGMAPS, NAMESPACE, `${MANAGEMENT}-config`);
    await eventually('the namespace asked about', () => api.sent('GET').includes(`GET /api/v1/namespaces/${NAMESPACE}`));
    await sleep(50);
    assert.equal(api.sent('PATCH').length, before, 'nothing is created in a terminating namespace');
  });
});

describe('what wakes a cluster', () => {
  const ownedConfig = `${MANAGEMENT}-config`;
  const cases: { name: string; change: (api: InMemoryApi) => void; keys: string[] }[] = [
    { name: 'its own change', change: (api) => api.put(CLUSTERS, edited(api.get(CLUSTERS, NAMESPACE, CLUSTER), (c) => void ((c.metadata ??= {}).labels = { edited: 'yes' }))), keys: [KEY] },
    { name: 'its deletion', change: (api) => api.remove(CLUSTERS, NAMESPACE, CLUSTER), keys: [KEY] },
    { name: 'a change of an object it controls', change: (api) => api.put(CONFIGMAPS, edited(api.get(CONFIGMAPS, NAMESPACE, ownedConfig), (c) => void (c['data'] = {}))), keys: [KEY] },
    { name: 'the deletion of an object it controls', change: (api) => api.remove(CONFIGMAPS, NAMESPACE, ownedConfig), keys: [KEY] },
    {
      name: 'a new object of another cluster: that cluster',
      change: (api) =>
        api.put(CONFIGMAPS, {
          metadata: { name: 'other', namespace: NAMESPACE, ownerReferences: [{ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'other', uid: 'u', controller: true }] },
        }),
      keys: [`${NAMESPACE}/other`],
    },
    { name: 'an object no cluster controls: none', change: (api) => api.put(CONFIGMAPS, { metadata: { name: 'loose', namespace: NAMESPACE } }), keys: [] },
    {
      name: 'a StatefulSet controller’s Event about its StatefulSet',
      change: (api) => api.put('/events', { metadata: { name: 'e', namespace: NAMESPACE }, involvedObject: { kind: 'StatefulSet', name: MANAGEMENT }, reason: 'SuccessfulCreate' }),
      keys: [KEY],
    },
    {
      name: 'an Event about a StatefulSet it does not have: none',
      change: (api) => api.put('/events', { metadata: { name: 'e', namespace: NAMESPACE }, involvedObject: { kind: 'StatefulSet', name: 'unknown' }, reason: 'SuccessfulCreate' }),
      keys: [],
    },
    { name: 'a pod of its servers', change: (api) => api.put(PODS, { metadata: { name: `${MANAGEMENT}-0`, namespace: NAMESPACE, labels: { app: CLUSTER } } }), keys: [KEY] },
    { name: 'a pod of another cluster: that cluster', change: (api) => api.put(PODS, { metadata: { name: 'x-0', namespace: NAMESPACE, labels: { app: 'x' } } }), keys: [`${NAMESPACE}/x`] },
    { name: 'a pod without an app label: none', change: (api) => api.put(PODS, { metadata: { name: 'y-0', namespace: NAMESPACE } }), keys: [] },
  ];
  for (const { name, change, keys } of cases) {
    test(name, async (t) => {
      const { api } = apiWithCluster();
      const { queued, logs } = await startOn(t, api);
      await firstPass(api);
      await settled(api);
      queued.length = 0;
      change(api);
      // A marker change after it: once the marker's key is queued, the change has been handled.
      api.put(PODS, { metadata: { name: 'marker-0', namespace: NAMESPACE, labels: { app: 'marker' } } });
      await eventually('the marker', () => queued.includes(`${NAMESPACE}/marker`));
      assert.deepEqual(queued.filter((key) => key !== `${NAMESPACE}/marker`), keys);
      assert.deepEqual(logs.filter((line) => line.level >= 40).map((line) => line.msg), [], 'no handler failed');
    });
  }

  test('an updated pod and a deleted one', async (t) => {
    const { api } = apiWithCluster();
    const pod = { metadata: { name: `${MANAGEMENT}-0`, namespace: NAMESPACE, labels: { app: CLUSTER } } };
    api.put(PODS, pod);
    const { queued } = await startOn(t, api);
    await firstPass(api);
    await settled(api);
    queued.length = 0;
    api.put(PODS, { ...pod, status: { phase: 'Running' } });
    await eventually('the update', () => queued.length === 1);
    api.remove(PODS, NAMESPACE, `${MANAGEMENT}-0`);
    await eventually('the deletion', () => queued.length === 2);
    assert.deepEqual(queued, [KEY, KEY]);
  });

  test('an updated Event about its StatefulSet', async (t) => {
    const { api } = apiWithCluster();
    const { queued } = await startOn(t, api);
    await firstPass(api);
    const event = { metadata: { name: 'e', namespace: NAMESPACE }, involvedObject: { kind: 'StatefulSet', name: MANAGEMENT }, reason: 'SuccessfulCreate' };
    api.put('/events', event);
    await eventually('the Event', () => queued.filter((key) => key === KEY).length > 0);
    await settled(api);
    queued.length = 0;
    api.put('/events', { ...event, message: 'again' });
    await eventually('the updated Event', () => queued.includes(KEY));
  });

  test('the deletion of an object that held a name it wants: the holder’s cluster and the one waiting', async (t) => {
    const { api } = apiWithCluster();
    const held = `${MANAGEMENT}-config`;
    api.put(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: held,
        namespace: NAMESPACE,
        labels: { 'app.kubernetes.io/managed-by': 'atomix-operator' },
        ownerReferences: [{ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'holder', uid: 'holder-uid', controller: true }],
      },
    });
    const { queued, logs } = await startOn(t, api);
    await firstPass(api);
    await eventually('the blocked pass logged', () => logs.some((line) => line.msg === 'reconcile blocked until the spec, or the object in the way, changes'));
    const blocked = logs.find((line) => line.msg === 'reconcile blocked until the spec, or the object in the way, changes');
    assert.equal(blocked?.['cluster'], KEY);
    assert.match(String(blocked['reason']), /ConfigMap example-atomixcluster-management-config already exists, controlled by AtomixCluster holder/);
    queued.length = 0;
    api.remove(CONFIGMAPS, NAMESPACE, held);
    await eventually('both clusters queued', () => queued.length >= 2);
    assert.deepEqual(queued.slice(0, 2), [`${NAMESPACE}/holder`, KEY]);
    await eventually('the name taken', () => (api.get(CONFIGMAPS, NAMESPACE, held)?.metadata?.ownerReferences?.[0]?.name ?? '') === CLUSTER);
  });
});

describe('timers', () => {
  test('every cluster is passed over again at the health probe interval and at each resync', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { api } = apiWithCluster();
    const { queued } = await startOn(t, api, { resyncMs: 45_000 });
    await firstPass(api);
    await settled(api);
    queued.length = 0;
    t.mock.timers.tick(29_999);
    assert.deepEqual(queued, []);
    t.mock.timers.tick(1);
    assert.deepEqual(queued, [KEY], 'the health probe interval, 30 s');
    await sleep(20);
    queued.length = 0;
    t.mock.timers.tick(15_000);
    assert.deepEqual(queued, [KEY], 'the resync, 45 s');
  });

  test('the default resync is ten minutes', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { api } = apiWithCluster();
    const { queued } = await startOn(t, api);
    await firstPass(api);
    await settled(api);
    queued.length = 0;
    t.mock.timers.tick(1_000);
    assert.deepEqual(queued, [], 'no resync within a second');
  });

  test('stop ends the timers, the workers and every watch', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { api } = apiWithCluster();
    const { operator, queued } = await startOn(t, api);
    await firstPass(api);
    await operator.stop();
    queued.length = 0;
    t.mock.timers.tick(10 * 60_000);
    assert.deepEqual(queued, [], 'no pass after the stop');
    for (const collection of [CLUSTERS, STATEFULSETS, CONFIGMAPS, PODS, '/events', '/services', 'policy/poddisruptionbudgets', 'networking.k8s.io/ingresses']) {
      assert.equal(api.collection(collection).openWatches, 0, `${collection} is no longer watched`);
    }
  });
});

describe('logs and metrics', () => {
  test('a failed pass is logged with its cluster and retried', async (t) => {
    const { api } = apiWithCluster();
    api.refusals.set(`PATCH /api/v1/namespaces/${NAMESPACE}/configmaps/${MANAGEMENT}-config`, new KubeApiError(403, 'configmaps is forbidden'));
    const { logs } = await startOn(t, api);
    await eventually('the failure logged', () => logs.some((line) => line.msg === 'reconcile failed; retrying with backoff'));
    const failed = logs.find((line) => line.msg === 'reconcile failed; retrying with backoff');
    assert.equal(failed?.['cluster'], KEY);
    assert.equal(failed.level, 50, 'an error');
    await eventually('the Warning', () => postedEvents(api).includes('Warning ApplyFailed'));
  });

  test('a failing watch and a refused Event are logged as warnings, and the operator goes on', async (t) => {
    const { api } = apiWithCluster();
    api.refusals.set(`POST /apis/events.k8s.io/v1/namespaces/${NAMESPACE}/events`, new KubeApiError(403, 'events is forbidden'));
    const { logs } = await startOn(t, api);
    await eventually('the refused Event logged', () => logs.some((line) => line.msg === 'could not record an event'));
    await eventually('the pods watched', () => api.collection(PODS).openWatches === 1);
    api.collection(PODS).breakWatches(new Error('connection reset'));
    await eventually('the watch failure logged', () => logs.some((line) => line.msg === 'informer error; it retries'));
    const warning = logs.find((line) => line.msg === 'informer error; it retries');
    assert.deepEqual({ level: warning?.level, resource: warning?.['resource'] }, { level: 40, resource: 'pods' });
    assert.equal(logs.find((line) => line.msg === 'could not record an event')?.level, 40);
  });

  test('the work queue, the informers, the passes and the applies are measured', async (t) => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const { api } = apiWithCluster();
    await startOn(t, api, { metrics });
    await firstPass(api);
    await eventually('a reconcile measured', async () => (await metrics.registry.metrics()).includes('controller_runtime_reconcile_total{controller="atomixcluster"'));
    const text = await metrics.registry.metrics();
    assert.match(text, /workqueue_adds_total\{name="atomixcluster"\} [1-9]/);
    for (const resource of ['atomixclusters', 'pods', 'statefulsets', 'configmaps', 'services', 'poddisruptionbudgets', 'ingresses', 'events']) {
      assert.match(text, new RegExp(`informer_relists_total\\{resource="${resource}"\\} 1`), `${resource} listed once`);
    }
    assert.match(text, /atomix_operator_object_applies_total\{kind="StatefulSet",namespace="prod",name="example-atomixcluster-management"\} 1/);
  });
});

/** The collection each rendered kind lives in. */
const COLLECTIONS: Record<string, string> = { Service: '/services', ConfigMap: CONFIGMAPS, StatefulSet: STATEFULSETS, PodDisruptionBudget: 'policy/poddisruptionbudgets' };

/**
 * The example as the operator would have left it: every object applied, each StatefulSet observed
 * on revision r2, and the pods given (management's first).
 */
function runningCluster(pods: (labels: { management: Record<string, string>; raft: Record<string, string> }) => (KubernetesObject & Record<string, unknown>)[]): InMemoryApi {
  const { api, uid } = apiWithCluster();
  const cluster = exampleCluster(undefined, NAMESPACE);
  const labels: Record<string, Record<string, string>> = {};
  for (const object of renderCluster({ ...cluster, metadata: { ...cluster.metadata, uid } })) {
    const stamped = withAppliedHash(object) as KubernetesObject & Record<string, unknown>;
    if (object.kind === 'StatefulSet') {
      stamped['status'] = { observedGeneration: 1, replicas: object.spec?.replicas, updateRevision: 'r2' };
      labels[object.metadata.name] = object.spec?.template.metadata?.labels ?? {};
    }
    api.put(COLLECTIONS[object.kind] ?? assert.fail(`no collection for ${object.kind}`), stamped);
  }
  for (const pod of pods({ management: labels[MANAGEMENT] ?? {}, raft: labels[`${CLUSTER}-raft`] ?? {} })) api.put(PODS, pod);
  return api;
}

/** A member pod on `revision`, Ready or not since `sinceMs` ago, at `ip`. */
function member(name: string, labels: Record<string, string>, revision: string, ready: boolean, sinceMs = 0, ip?: string): KubernetesObject & Record<string, unknown> {
  const since = new Date(Date.now() - sinceMs).toISOString();
  return {
    metadata: { name, namespace: NAMESPACE, labels: { ...labels, 'controller-revision-hash': revision }, creationTimestamp: since as unknown as Date },
    status: { ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: since }] },
  };
}

const conditionOf = (api: InMemoryApi, type: string) =>
  ((api.get(CLUSTERS, NAMESPACE, CLUSTER)?.['status'] as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

describe('rollout defaults', () => {
  test('groups are probed through the Atomix REST API of their members', async (t) => {
    // Nothing listens on 127.0.0.2:5678: the write through the management member is refused at once.
    const api = runningCluster(({ management }) => [member(`${MANAGEMENT}-0`, management, 'r2', true, 0, '127.0.0.2')]);
    await startOn(t, api, {}, true);
    await eventually('Quorate', () => conditionOf(api, 'Quorate') !== undefined);
    assert.match(conditionOf(api, 'Quorate')?.message ?? '', /^management: a write through example-atomixcluster-management-0 failed: /);
  });

  const stuckCases: { name: string; unreadyForMs: number; stuck: boolean }[] = [
    { name: 'a replaced member not Ready for over ten minutes stops the roll', unreadyForMs: 11 * 60_000, stuck: true },
    { name: 'one not Ready for nine minutes does not yet', unreadyForMs: 9 * 60_000, stuck: false },
  ];
  for (const { name, unreadyForMs, stuck } of stuckCases) {
    test(name, async (t) => {
      const api = runningCluster(({ management, raft }) => [
        member(`${MANAGEMENT}-0`, management, 'r2', false, unreadyForMs),
        ...[0, 1, 2].map((ordinal) => member(`${CLUSTER}-raft-${String(ordinal)}`, raft, 'r1', true)),
      ]);
      await startOn(t, api, {}, true);
      await eventually('Degraded', () => conditionOf(api, 'Degraded') !== undefined);
      assert.equal(conditionOf(api, 'Degraded')?.reason, stuck ? 'RolloutStuck' : 'AsExpected');
    });
  }
});

test('a stop before the caches synced ends the start, and nothing is reconciled', async () => {
  const { api } = apiWithCluster();
  api.collection(PODS).hangLists = true;
  const operator = new Operator({ client: api, log: pino({ level: 'silent' }), namespaces: [NAMESPACE] });
  const started = operator.start();
  await eventually('the pods listed', () => api.collection(PODS).listCalls.length > 0);
  await operator.stop();
  await started;
  assert.equal(operator.ready(), false);
  assert.equal(api.sent('PATCH').length, 0);
});
