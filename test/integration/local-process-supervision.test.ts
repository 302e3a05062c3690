import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { installControlPlane, startControlPlane } from '../../src/local/control-plane.js';
import { waitFor } from '../support/cluster.js';
import { isAlive, livingChildrenOf, rssMiB } from '../support/processes.js';
import { findFreePort } from '../../src/local/ports.js';

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

test('stop() ends every child process and frees the ports', async (t) => {
  const startedAt = Date.now();
  const controlPlane = await startControlPlane({ nodes: 1, pods: 'simulated', dns: { address: '127.0.0.1', port: await findFreePort() } });
  assert.ok(controlPlane.processes.some((process) => process.name === 'coredns'), 'cluster DNS runs with the control plane');
  t.diagnostic(`cold start to ready: ${Date.now() - startedAt} ms`);
  const pids = controlPlane.processes.map((process) => process.pid ?? 0);
  t.diagnostic(`RSS: ${controlPlane.processes.map((process) => `${process.name} ${rssMiB(process.pid ?? 0)} MiB`).join(', ')}`);
  assert.deepEqual(livingChildrenOf(process.pid).filter((pid) => pids.includes(pid)).sort(), [...pids].sort());
  assert.equal((await controlPlane.kubeConfig().makeApiClient(CoreV1Api).listNode()).items.length, 1);

  const stoppingAt = Date.now();
  await controlPlane.stop();
  t.diagnostic(`stop: ${Date.now() - stoppingAt} ms`);

  assert.deepEqual(pids.filter(isAlive), []);
  assert.deepEqual(livingChildrenOf(process.pid), [], 'no child processes (including the orphan watchdog) remain');
  assert.equal(await canListenOn(Number(new URL(controlPlane.server).port)), true, 'the apiserver port is free again');
});

test('a failed start stops what it had started', async () => {
  const realBinDir = await installControlPlane(() => {});
  const binDir = mkdtempSync(join(tmpdir(), 'broken-control-plane-bin-'));
  const dir = mkdtempSync(join(tmpdir(), 'broken-control-plane-'));
  after(() => [binDir, dir].forEach((path) => rmSync(path, { recursive: true, force: true })));
  symlinkSync(join(realBinDir, 'etcd'), join(binDir, 'etcd'));
  writeFileSync(join(binDir, 'kube-apiserver'), '#!/bin/sh\necho "cannot serve today" >&2\nexit 3\n');
  chmodSync(join(binDir, 'kube-apiserver'), 0o755);

  await assert.rejects(startControlPlane({ binDir, dir, pods: 'simulated' }), /kube-apiserver exited \(code 3\)[\s\S]*cannot serve today/);
  assert.deepEqual(livingChildrenOf(process.pid), [], 'etcd was stopped again');
});

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`child processes die with their parent when it gets ${signal}`, async () => {
    const fixture = fileURLToPath(new URL('../support/process-group-fixture.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [firstLine] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const pids = JSON.parse(firstLine) as number[];
    assert.equal(pids.length, 2);
    assert.ok(pids.every(isAlive));

    parent.kill(signal);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: `the children to die after ${signal}`, timeoutMs: 5_000 });
  });
}
