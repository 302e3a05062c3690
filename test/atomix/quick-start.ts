// The README's "Quick start on a real cluster", run verbatim: its shell lines, read from the
// README itself, through bash with the real kubectl against a local control plane with real
// pods. The operator is the Deployment of deploy/operator.yaml: its image (compiled from this
// checkout, scripts/install-operator-image.sh) runs in a pod with the in-cluster configuration
// (the injected ServiceAccount token, kube-root-ca.crt, KUBERNETES_SERVICE_HOST/PORT) and the
// shipped RBAC, and its probes run against the metrics server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { V1Deployment } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { startControlPlane } from '../../src/local/control-plane.js';
import { waitUntil } from '../../src/local/readiness.js';
import { repoRoot } from '../support/manifests.js';
import { READY_TIMEOUT_MS, RealCluster } from './real-cluster.js';

const run = promisify(execFile);

/** kubectl's default namespace: where the quick start puts the operator and the example. */
export const NAMESPACE = 'default';
export const OPERATOR_USER = `system:serviceaccount:${NAMESPACE}:atomix-operator`;
const OPERATOR_READY_TIMEOUT_MS = 5 * 60_000;

/** The lines of every ```sh block in the README section with this heading, comments and all. */
export function readmeShellLines(heading: string): string[][] {
  const readme = readFileSync(`${repoRoot}/README.md`, 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => (block[1] ?? '').split('\n').filter((line) => line.trim() !== ''));
}

export const QUICK_START = 'Quick start on a real cluster';

export interface QuickStart {
  cluster: RealCluster;
  /** Runs one README line with bash in the repository, as a reader would; returns its stdout. */
  shell(line: string): Promise<string>;
  stop(): Promise<void>;
}

/** A control plane with real pods and nothing installed: the quick start installs everything. */
export async function startQuickStart(log: (line: string) => void = () => {}): Promise<QuickStart> {
  const controlPlane = await startControlPlane({ pods: 'real', log });
  const admin = new KubeClient(controlPlane.kubeConfig());
  const stop = async () => {
    admin.close();
    await controlPlane.stop();
  };
  if (controlPlane.podMode !== 'real') {
    await stop();
    assert.fail(`the quick start needs real pods: ${controlPlane.podModeReason ?? ''}`);
  }
  const env = { ...process.env, KUBECONFIG: controlPlane.kubeconfigPath };
  const shell = async (line: string) => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', line], { cwd: repoRoot, env }).catch((error: unknown) => {
      const { stderr = '' } = error as { stderr?: string };
      throw new Error(`\`${line}\` failed: ${stderr.trim()}`, { cause: error });
    });
    return stdout;
  };
  return { cluster: new RealCluster(controlPlane, admin, NAMESPACE), shell, stop };
}

/** Runs a README block line by line, each as its own command. */
export async function runBlock(quickStart: QuickStart, lines: readonly string[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const line of lines) outputs.push(await quickStart.shell(line));
  return outputs;
}

/** Waits until deploy/operator.yaml's Deployment is Available: its pod passed the readiness probe. */
export async function waitForOperator(cluster: RealCluster): Promise<V1Deployment> {
  return cluster.explainFailure(() =>
    waitUntil(
      async () => {
        const deployment = await cluster.admin.request<V1Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/atomix-operator` });
        const available = deployment.status?.conditions?.some((condition) => condition.type === 'Available' && condition.status === 'True');
        return available === true && (deployment.status?.readyReplicas ?? 0) >= 1 && deployment;
      },
      { what: 'Deployment atomix-operator to be Available', timeoutMs: OPERATOR_READY_TIMEOUT_MS, intervalMs: 1000 },
    ),
  );
}

export { READY_TIMEOUT_MS };
