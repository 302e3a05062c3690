// The operator as its own process (`atomix-operator run`, from the sources), as the shipped
// ServiceAccount: what a test needs to SIGKILL it mid-roll and start it again, as a crashed pod
// of the operator Deployment would be.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconfigYaml } from '../../src/local/kubeconfig.js';
import { ProcessGroup, type ManagedProcess } from '../../src/local/managed-process.js';
import { findFreePort } from '../../src/local/ports.js';
import { httpGetStatus, waitUntil } from '../../src/local/readiness.js';
import { OPERATOR_ACCOUNT } from '../support/operator.js';
import type { RealCluster } from './real-cluster.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const STARTUP_TIMEOUT_MS = 2 * 60_000;

export class OperatorProcess {
  private readonly group = new ProcessGroup();
  private current: ManagedProcess | undefined;
  private starts = 0;

  private constructor(
    private readonly cluster: RealCluster,
    private readonly kubeconfigPath: string,
  ) {}

  /** Writes a kubeconfig for the operator's ServiceAccount in the cluster's namespace and starts the operator. */
  static async start(cluster: RealCluster): Promise<OperatorProcess> {
    const kubeConfig = await cluster.controlPlane.serviceAccountKubeConfig(cluster.namespace, OPERATOR_ACCOUNT);
    const path = join(cluster.controlPlane.dir, 'operator-process.kubeconfig');
    writeFileSync(path, kubeconfigYaml(kubeConfig), { mode: 0o600 });
    const operator = new OperatorProcess(cluster, path);
    await operator.restart();
    return operator;
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** Starts a new operator process (the previous one must have ended) and waits until its caches are synced. */
  async restart(): Promise<void> {
    const metricsPort = await findFreePort();
    this.starts++;
    const started = this.group.start({
      name: 'atomix-operator',
      command: process.execPath,
      args: ['--import', import.meta.resolve('tsx'), MAIN, 'run', '--kubeconfig', this.kubeconfigPath, '--namespace', this.cluster.namespace, '--metrics-port', String(metricsPort), '--log-level', 'info'],
      logPath: join(this.cluster.controlPlane.dir, `operator-${this.starts}.log`),
    });
    this.current = started;
    await waitUntil(async () => (await httpGetStatus(`http://127.0.0.1:${metricsPort}/readyz`)) === 200, {
      what: 'the operator process to be ready (caches synced)',
      timeoutMs: STARTUP_TIMEOUT_MS,
      processes: [started],
    });
  }

  /** kill -9: no shutdown hook runs, whatever the operator was doing stops mid-step. */
  async kill(): Promise<void> {
    const running = this.current;
    if (!running) return;
    process.kill(running.pid ?? 0, 'SIGKILL');
    await running.exited;
  }

  async stop(): Promise<void> {
    await this.group.stopAll();
  }
}
