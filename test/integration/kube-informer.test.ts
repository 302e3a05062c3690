import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { Informer, type ListWatchTransport } from '../../src/kube/informer.js';
import { resources } from '../../src/kube/resources.js';
import { adminKubeConfig, createTestNamespace, waitFor } from '../support/cluster.js';

function recordChanges(informer: Informer): string[] {
  const changes: string[] = [];
  informer.addHandler({
    onAdd: (object) => changes.push(`add ${object.metadata?.name ?? ''}`),
    onUpdate: (_previous, current) => changes.push(`update ${current.metadata?.name ?? ''}`),
    onDelete: (object) => changes.push(`delete ${object.metadata?.name ?? ''}`),
  });
  return changes;
}

const configMap = (name: string, value: string) => ({ metadata: { name }, data: { value } });

test('the informer delivers adds, updates and deletes and resumes ended watches without relisting', async () => {
  const namespace = await createTestNamespace('kube-informer');
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const client = new KubeClient(adminKubeConfig());
  const errors: unknown[] = [];
  const informer = new Informer({
    transport: client,
    resource: resources.configMaps,
    namespaces: [namespace],
    watchTimeoutSeconds: 2,
    watchDeadlineMarginMs: 1000,
    onError: (error) => errors.push(error),
  });
  const changes = recordChanges(informer);
  informer.start();
  try {
    assert.equal(await informer.waitForSync(), true);
    await core.createNamespacedConfigMap({ namespace, body: configMap('a', '1') });
    await waitFor(() => changes.includes('add a'), { what: 'the add' });
    await core.replaceNamespacedConfigMap({ namespace, name: 'a', body: configMap('a', '2') });
    await waitFor(() => changes.includes('update a'), { what: 'the update' });

    const watchesBefore = informer.stats().watches;
    await waitFor(() => informer.stats().watches >= watchesBefore + 2, { what: 'two server-ended watches to be resumed' });
    await core.createNamespacedConfigMap({ namespace, body: configMap('b', '1') });
    await core.deleteNamespacedConfigMap({ namespace, name: 'a' });
    await waitFor(() => changes.includes('delete a') && changes.includes('add b'), { what: 'the changes after resuming' });

    assert.equal(informer.stats().relists, 1, 'resumed from the last resourceVersion, never relisted');
    assert.deepEqual(errors, []);
    const cached = informer.store.get(namespace, 'b');
    assert.equal(cached?.metadata?.managedFields, undefined);
    assert.equal(cached?.kind, 'ConfigMap');
    assert.ok(client.requests.total({ verb: 'watch', resource: 'configmaps' }) >= 3);
    assert.equal(client.requests.writes(), 0, 'the informer never writes');
  } finally {
    await informer.stop();
    client.close();
  }
});

test('after a dropped connection and refused requests the informer relists and delivers what changed in the gap', async () => {
  const namespace = await createTestNamespace('kube-informer-gap');
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const client = new KubeClient(adminKubeConfig());
  for (const name of ['kept', 'changed', 'deleted']) await core.createNamespacedConfigMap({ namespace, body: configMap(name, '1') });
  // The controller-manager publishes kube-root-ca.crt into every namespace, as on any cluster: let it
  // arrive before the informer starts so that it is part of the listed state, not of the gap.
  await waitFor(async () => (await core.listNamespacedConfigMap({ namespace })).items.some((item) => item.metadata?.name === 'kube-root-ca.crt'), { what: 'kube-root-ca.crt', timeoutMs: 30_000 });

  let refuse = false;
  const dropConnections: Array<() => void> = [];
  const transport: ListWatchTransport = {
    list: (path, query, signal) => (refuse ? Promise.reject(new Error('injected list failure')) : client.list(path, query, signal)),
    watch: (path, query, onEvent, signal) => {
      if (refuse) return Promise.reject(new Error('injected watch failure'));
      const connection = new AbortController();
      const dropped = new Promise<never>((_resolve, reject) =>
        dropConnections.push(() => {
          connection.abort();
          reject(new Error('connection reset'));
        }),
      );
      return Promise.race([client.watch(path, query, onEvent, AbortSignal.any([signal, connection.signal])), dropped]);
    },
  };
  const informer = new Informer({ transport, resource: resources.configMaps, namespaces: [namespace], onError: () => {} });
  const changes = recordChanges(informer);
  informer.start();
  try {
    assert.equal(await informer.waitForSync(), true);
    changes.length = 0;
    refuse = true;
    for (const drop of dropConnections.splice(0)) drop();

    await core.replaceNamespacedConfigMap({ namespace, name: 'changed', body: configMap('changed', '2') });
    await core.deleteNamespacedConfigMap({ namespace, name: 'deleted' });
    await core.createNamespacedConfigMap({ namespace, body: configMap('created', '1') });
    await waitFor(() => informer.stats().failures >= 2, { what: 'the refused relist' });
    assert.deepEqual(changes, [], 'nothing can arrive while the API is refused');
    refuse = false;

    await waitFor(() => changes.length >= 3, { what: 'the relist diff', timeoutMs: 15_000 });
    assert.deepEqual([...changes].sort(), ['add created', 'delete deleted', 'update changed']);
    assert.equal(informer.stats().relists, 2);
    assert.deepEqual(informer.store.keys(namespace).sort(), [`${namespace}/changed`, `${namespace}/created`, `${namespace}/kept`, `${namespace}/kube-root-ca.crt`]);
  } finally {
    await informer.stop();
    client.close();
  }
});
