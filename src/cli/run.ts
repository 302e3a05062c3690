// `atomix-operator run`: the operator as deployed, until SIGTERM.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { KubeClient, loadKubeConfig } from '../kube/client.js';
import { OperatorMetrics, startMetricsServer } from '../kube/metrics.js';
import { LeaderElector } from '../kube/leader-election.js';
import { Operator } from '../controller/operator.js';
import type { RenderOptions } from '../render/index.js';

export interface RunOptions {
  kubeconfig?: string;
  namespaces: string[];
  metricsPort: number;
  concurrency: number;
  resyncSeconds: number;
  renderOptions: RenderOptions;
  /** Namespace of the leader-election Lease; undefined: no leader election. */
  leaseNamespace?: string;
}

/** WATCH_NAMESPACE as operator-sdk defines it: a comma-separated list, empty for all namespaces. */
export function namespacesFromEnv(value: string | undefined): string[] {
  return (value ?? '').split(',').map((ns) => ns.trim()).filter(Boolean);
}

export async function runOperator(options: RunOptions, log: Logger): Promise<void> {
  const metrics = new OperatorMetrics();
  const client = new KubeClient(loadKubeConfig(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), { registry: metrics.registry });
  const identity = process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`;
  const operator = new Operator({
    client,
    log,
    metrics,
    namespaces: options.namespaces,
    concurrency: options.concurrency,
    resyncMs: options.resyncSeconds * 1000,
    renderOptions: options.renderOptions,
    instance: identity,
  });
  const elector = options.leaseNamespace
    ? new LeaderElector({
        client,
        namespace: options.leaseNamespace,
        name: 'atomix-operator',
        identity,
        onNewLeader: (leader) => log.info({ leader }, 'leader'),
        onError: (error) => log.warn({ err: error }, 'leader election request failed'),
      })
    : undefined;
  const server = await startMetricsServer({ port: options.metricsPort, registry: metrics.registry, ready: () => operator.ready() });
  log.info({ metricsPort: server.port }, 'serving /metrics, /healthz and /readyz');
  const stopping = new AbortController();
  stopOnSignal(log, async () => {
    stopping.abort();
    await operator.stop();
    await elector?.release();
    await server.close();
    client.close();
  });
  if (elector) {
    if (!(await elector.acquire(stopping.signal))) return;
    metrics.leaderStatus('atomix-operator')(true);
    void elector.hold(stopping.signal).then((end) => {
      // Another operator may already be reconciling: stop at once rather than race it.
      if (end === 'lost') {
        log.error('lost the leader lease; exiting');
        process.exit(1);
      }
    });
  }
  await operator.start();
}

/** Stops gracefully on the first SIGTERM or SIGINT; a second one exits at once. */
export function stopOnSignal(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => log.info('stopped'),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
