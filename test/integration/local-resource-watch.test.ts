import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { watchResource, type WatchEventType } from '../../src/local/resource-watch.js';
import { adminKubeConfig, createTestNamespace, serviceAccountKubeConfig, waitFor } from '../support/cluster.js';

test('a resource watch keeps retrying while its list or watch is refused, then delivers events', async () => {
  const namespace = await createTestNamespace('local-watch');
  const admin = adminKubeConfig();
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const watcherConfig = await serviceAccountKubeConfig(namespace, 'watcher');
  const watcher = watcherConfig.makeApiClient(CoreV1Api);
  let lists = 0;
  const events: [WatchEventType, string][] = [];
  const failures: string[] = [];
  const watch = watchResource<V1ConfigMap>(
    watcherConfig,
    {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => {
        lists++;
        return watcher.listNamespacedConfigMap({ namespace });
      },
    },
    (type, configMap) => events.push([type, configMap.metadata?.name ?? '']),
    (line) => failures.push(line),
  );
  after(() => watch.stop());
  const allow = async (verbs: string[]) => {
    const body = { metadata: { name: 'watcher' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] };
    await rbac.replaceNamespacedRole({ name: 'watcher', namespace, body });
  };

  await waitFor(() => failures.some((line) => /HTTP 403: .*cannot list resource "configmaps"/.test(line)), { what: 'the list to be refused' });

  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'watcher' } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'watcher' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'watcher' },
      subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace }],
    },
  });
  await allow(['list']);
  await waitFor(() => failures.some((line) => /^re-listing .* after: HTTP 403: Forbidden$/.test(line)), { what: 'the list to pass and the watch to be refused' });

  const listsWhileWatchRefused = lists;
  await allow(['list', 'watch']);
  // The namespace's root CA ConfigMap is not published here, so ours is the only one.
  await admin.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace, body: { metadata: { name: 'seen' } } });
  await waitFor(() => events.some(([, name]) => name === 'seen'), { what: 'the watch to deliver the new ConfigMap' });
  assert.deepEqual(events, [['ADDED', 'seen']]);
  assert.ok(lists > listsWhileWatchRefused, 'it listed again after the refused watch');
});
