import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/kube/clock.js';
import { OperatorMetrics, startMetricsServer } from '../../../src/kube/metrics.js';
import { WorkQueue } from '../../../src/kube/work-queue.js';
import { runWorkers } from '../../../src/kube/workers.js';

test('queue and reconcile metrics use controller-runtime names', async () => {
  const metrics = new OperatorMetrics({ processMetrics: false });
  const clock = new ManualClock();
  const queue = new WorkQueue({ clock, metrics: metrics.workQueue('atomixcluster') });
  const controller = new AbortController();
  let calls = 0;
  const running = runWorkers(
    queue,
    1,
    async () => {
      if (calls++ === 0) throw new Error('first attempt fails');
    },
    { signal: controller.signal, clock, metrics: metrics.reconciler('atomixcluster') },
  );
  queue.add('ns/a');
  await clock.advance(10);
  controller.abort();
  await running;
  metrics.informer('statefulsets').relisted();
  metrics.informer('statefulsets').watchEnded('deadline');
  metrics.leaderStatus('atomix-operator')(true);
  const text = await metrics.registry.metrics();
  for (const expected of [
    'workqueue_adds_total{name="atomixcluster"} 2',
    'workqueue_retries_total{name="atomixcluster"} 1',
    'workqueue_depth{name="atomixcluster"} 0',
    'workqueue_queue_duration_seconds_count{name="atomixcluster"} 2',
    'workqueue_work_duration_seconds_count{name="atomixcluster"} 2',
    'controller_runtime_reconcile_total{controller="atomixcluster",result="error"} 1',
    'controller_runtime_reconcile_total{controller="atomixcluster",result="success"} 1',
    'controller_runtime_reconcile_errors_total{controller="atomixcluster"} 1',
    'controller_runtime_reconcile_time_seconds_count{controller="atomixcluster"} 2',
    'controller_runtime_active_workers{controller="atomixcluster"} 0',
    'informer_relists_total{resource="statefulsets"} 1',
    'informer_watch_ends_total{resource="statefulsets",reason="deadline"} 1',
    'leader_election_master_status{name="atomix-operator"} 1',
  ]) {
    assert.ok(text.includes(expected), `missing: ${expected}`);
  }
});

test('process metrics are included by default', async () => {
  const metrics = new OperatorMetrics();
  assert.match(await metrics.registry.metrics(), /process_resident_memory_bytes/);
});

test('the server answers /metrics, /healthz, /readyz (503 until ready) and 404 elsewhere', async () => {
  const metrics = new OperatorMetrics({ processMetrics: false });
  let ready = false;
  const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, ready: () => ready });
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, body: await response.text() };
  };
  try {
    assert.match((await get('/metrics')).body, /workqueue_depth/);
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/readyz')).status, 503);
    ready = true;
    assert.deepEqual(await get('/readyz?verbose'), { status: 200, body: 'ok\n' });
    assert.equal((await get('/other')).status, 404);
  } finally {
    await server.close();
  }
});
