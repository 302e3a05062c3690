// The operator's processes as users run them: `run` (as deployed) and `local` (the demo).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/local/ports.js';
import { controlPlaneEnv } from '../support/control-plane-env.js';
import { createTestNamespace, waitFor } from '../support/cluster.js';
import { adminClient, createCluster, getCluster, readyCondition } from '../support/operator.js';
import { readManifest, repoRoot } from '../support/manifests.js';

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [`${repoRoot}/bin/atomix-operator.js`, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

describe('atomix-operator run', { timeout: 180_000 }, async () => {
  const namespace = await createTestNamespace('run');
  const admin = adminClient();
  const port = await findFreePort();
  const operator = spawnCli(
    ['run', '--kubeconfig', controlPlaneEnv().kubeconfigPath, '--metrics-port', String(port), '--leader-elect'],
    { WATCH_NAMESPACE: namespace },
  );

  test('serves /readyz once its caches synced, and reconciles the watched namespace', async () => {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { what: '/readyz', timeoutMs: 60_000 });
    await createCluster(admin, namespace, readManifest('deploy/crds/atomixcluster_cr.yaml'));
    await waitFor(async () => readyCondition(await getCluster(admin, namespace, 'example-atomixcluster'))?.status === 'True', {
      what: 'the cluster to become Ready',
      timeoutMs: 90_000,
    });
  });

  test('holds the leader Lease in the watched namespace', async () => {
    const lease = await admin.request<{ spec: { holderIdentity: string } }>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/atomix-operator`,
    });
    assert.match(lease.spec.holderIdentity, /-\d+$/);
  });

  test('exports controller and client metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /controller_runtime_reconcile_total\{controller="atomixcluster",result="(success|requeue_after)"\} [1-9]/);
    assert.match(metrics, /rest_client_requests_total\{verb="patch",resource="statefulsets",code="201"\} 2/);
    assert.match(metrics, /process_resident_memory_bytes \d+/);
  });

  test('logs JSON, and stops cleanly on SIGTERM, releasing its lease', async () => {
    operator.child.kill('SIGTERM');
    assert.equal(await operator.exit, 0);
    const lines = operator.output().trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
    assert.ok(lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'stopped'));
    const lease = await admin.request<{ spec: { holderIdentity?: string } }>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/atomix-operator`,
    });
    assert.ok(!lease.spec.holderIdentity, 'the lease is released');
  });
});

describe('atomix-operator local', { timeout: 900_000 }, () => {
  test('with real pods (the default): the example forms from real JVMs through DNS, serves a counter, and Ctrl-C removes every pod', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomix-local-'));
    try {
      const local = spawnCli(['local', '--dir', dir]);
      await waitFor(() => local.output().includes('press Ctrl-C'), { what: 'the local demo to be up', timeoutMs: 600_000 });
      assert.match(local.output(), /pods run for real/);
      assert.match(local.output(), /AtomixCluster example-atomixcluster: Ready, groups ready 2\/2/);
      assert.match(local.output(), /example-atomixcluster-raft-2\s+10\.\d+\.\d+\.\d+\s+on local-node-\d/);
      assert.match(local.output(), /a counter on the raft group: incremented through (\S+) to 1, read back through (?!\1)\S+: 1/);
      const hostAddress = /pod network on (\d+\.\d+\.\d+\.\d+)/.exec(readFileSync(join(dir, 'operator.log'), 'utf8'))?.[1];
      assert.ok(hostAddress, 'the log names the pod network');
      local.child.kill('SIGINT');
      assert.equal(await local.exit, 0);
      assert.match(local.output(), /stopped/);
      assert.ok(!execFileSync('ip', ['-br', 'addr'], { encoding: 'utf8' }).includes(`${hostAddress}/`), 'the pod bridge is gone');
      assert.ok(!existsSync(join(dir, 'sandbox', 'pods')), 'no pod sandbox is left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starts a control plane, runs the example until Ready, and cleans up on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomix-local-'));
    try {
      const local = spawnCli(['local', '--dir', dir, '--pods', 'simulated']);
      await waitFor(() => local.output().includes('press Ctrl-C'), { what: 'the local demo to be up', timeoutMs: 180_000 });
      assert.match(local.output(), /AtomixCluster example-atomixcluster: Ready, groups ready 2\/2/);
      assert.match(local.output(), /StatefulSet\s+example-atomixcluster-raft/);
      assert.match(local.output(), new RegExp(`export KUBECONFIG=${dir}/kubeconfig`));
      local.child.kill('SIGINT');
      assert.equal(await local.exit, 0);
      assert.match(local.output(), /stopped/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
