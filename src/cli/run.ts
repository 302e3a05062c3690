// `atomix-operator run`: the operator as deployed, until SIGTERM.
import type { Logger } from 'pino';
import { KubeClient, loadKubeConfig } from '../kube/client.js';
import { OperatorMetrics, startMetricsServer } from '../kube/metrics.js';
import { Operator } from '../controller/operator.js';
import type { RenderOptions } from '../render/index.js';

export interface RunOptions {
  kubeconfig?: string;
  namespaces: string[];
  metricsPort: number;
  concurrency: number;
  renderOptions: RenderOptions;
}

/** WATCH_NAMESPACE as operator-sdk defines it: a comma-separated list, empty for all namespaces. */
export function namespacesFromEnv(value: string | undefined): string[] {
  return (value ?? '').split(',').map((ns) => ns.trim()).filter(Boolean);
}

export async function runOperator(options: RunOptions, log: Logger): Promise<void> {
  const metrics = new OperatorMetrics();
  const client = new KubeClient(loadKubeConfig(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), { registry: metrics.registry });
  const operator = new Operator({
    client,
    log,
    metrics,
    namespaces: options.namespaces,
    concurrency: options.concurrency,
    renderOptions: options.renderOptions,
    instance: process.env['POD_NAME'] ?? 'atomix-operator',
  });
  const server = await startMetricsServer({ port: options.metricsPort, registry: metrics.registry, ready: () => operator.ready() });
  log.info({ metricsPort: server.port }, 'serving /metrics, /healthz and /readyz');
  stopOnSignal(log, async () => {
    await operator.stop();
    await server.close();
    client.close();
  });
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
