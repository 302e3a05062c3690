/**
 * Prometheus metrics with controller-runtime-compatible names, all in one registry, and the
 * HTTP endpoint that serves them together with /healthz and /readyz.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InformerMetrics } from './informer.js';
import type { WorkQueueMetrics } from './work-queue.js';
import type { ReconcileMetrics } from './workers.js';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly queueDepth = this.gauge('workqueue_depth', 'Current depth of the work queue.', ['name']);
  private readonly queueAdds = this.counter('workqueue_adds_total', 'Adds handled by the work queue.', ['name']);
  private readonly queueRetries = this.counter('workqueue_retries_total', 'Rate-limited re-adds.', ['name']);
  private readonly queueWait = this.histogram(
    'workqueue_queue_duration_seconds',
    'How long a key stays in the queue before it is processed.',
    ['name'],
  );
  private readonly queueWork = this.histogram('workqueue_work_duration_seconds', 'How long processing a key takes.', ['name']);
  private readonly reconciles = this.counter('controller_runtime_reconcile_total', 'Reconciles by result.', [
    'controller',
    'result',
  ]);
  private readonly reconcileErrors = this.counter('controller_runtime_reconcile_errors_total', 'Reconcile errors.', ['controller']);
  private readonly reconcileTime = this.histogram('controller_runtime_reconcile_time_seconds', 'Reconcile duration.', [
    'controller',
  ]);
  private readonly activeWorkers = this.gauge('controller_runtime_active_workers', 'Workers currently reconciling.', [
    'controller',
  ]);
  private readonly relists = this.counter('informer_relists_total', 'Full lists done by informers.', ['resource']);
  private readonly watchEnds = this.counter('informer_watch_ends_total', 'Informer watches ended, by reason.', [
    'resource',
    'reason',
  ]);
  private readonly leader = this.gauge('leader_election_master_status', '1 while this process holds the lease.', ['name']);
  private readonly objectApplies = this.counter(
    'atomix_operator_object_applies_total',
    'Creates and applies the operator sent, per owned object: one that keeps growing with no spec change is a bug.',
    ['kind', 'namespace', 'name'],
  );

  /** `processMetrics` adds prom-client's default process_* and nodejs_* metrics (RSS, heap, event loop lag). */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  workQueue(name: string): WorkQueueMetrics {
    return {
      added: () => this.queueAdds.inc({ name }),
      depth: (depth) => this.queueDepth.set({ name }, depth),
      retried: () => this.queueRetries.inc({ name }),
      waited: (seconds) => this.queueWait.observe({ name }, seconds),
      worked: (seconds) => this.queueWork.observe({ name }, seconds),
    };
  }

  reconciler(controller: string): ReconcileMetrics {
    return {
      reconciled: (outcome, seconds) => {
        this.reconciles.inc({ controller, result: outcome });
        if (outcome === 'error') this.reconcileErrors.inc({ controller });
        this.reconcileTime.observe({ controller }, seconds);
      },
      activeWorkers: (delta) => this.activeWorkers.inc({ controller }, delta),
    };
  }

  informer(resource: string): InformerMetrics {
    return {
      relisted: () => this.relists.inc({ resource }),
      watchEnded: (reason) => this.watchEnds.inc({ resource, reason }),
    };
  }

  objectApplied(kind: string, namespace: string, name: string): void {
    this.objectApplies.inc({ kind, namespace, name });
  }

  leaderStatus(name: string): (isLeader: boolean) => void {
    return (isLeader) => this.leader.set({ name }, isLeader ? 1 : 0);
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: [this.registry] });
  }
}

type Check = () => boolean | Promise<boolean>;

export interface MetricsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Liveness; defaults to always healthy. */
  healthy?: Check;
  /** Readiness, e.g. caches synced; defaults to always ready. */
  ready?: Check;
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics, /healthz and /readyz. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    void respond(options, request.url ?? '/', response).catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(options: MetricsServerOptions, url: string, response: http.ServerResponse): Promise<void> {
  const path = url.split('?')[0];
  if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'Content-Type': options.registry.contentType });
    response.end(body);
    return;
  }
  const check = path === '/healthz' ? options.healthy : path === '/readyz' ? options.ready : undefined;
  if (check === undefined && path !== '/healthz' && path !== '/readyz') {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found\n');
    return;
  }
  const ok = check ? await check() : true;
  response.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' });
  response.end(ok ? 'ok\n' : 'not ready\n');
}
