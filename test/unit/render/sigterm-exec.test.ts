// The rendered container command, run by a real bash on an image layout in miniature: the
// entrypoint script calls `java` without `exec`, as the Atomix and atomix-bench start scripts do,
// and the `java` it finds replaces the process the kubelet started, so the SIGTERM of a pod
// deletion reaches the JVM. Run plainly, the same script leaves `java` a child that never sees it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { isKind, renderCluster } from '../../../src/render/index.js';
import { EVERY_GROUP, validCluster } from './rendered-cluster.js';

/** A start script like the images': it runs java as a child and reports only after it exits. */
const START_SCRIPT = '#!/usr/bin/env bash\njava -cp lib/atomix.jar Agent "$@"\necho "script: java exited"\n';
/** Stands in for the JVM: says its pid and arguments, and says when SIGTERM reaches it. */
const FAKE_JAVA = '#!/bin/sh\ntrap \'echo "java: SIGTERM"; exit 0\' TERM\necho "java: pid $$ args $*"\nwhile :; do sleep 0.05; done\n';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'atomix-entrypoint-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'jdk'));
  for (const script of ['bin/atomix-agent', 'bin/atomix-bench']) writeFileSync(join(root, script), START_SCRIPT);
  writeFileSync(join(root, 'jdk/java'), FAKE_JAVA);
  for (const file of ['bin/atomix-agent', 'bin/atomix-bench', 'jdk/java']) chmodSync(join(root, file), 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Starts `argv` in the image layout, waits for java's line, sends SIGTERM to the started process and returns its output. */
async function startThenTerminate(argv: readonly string[]): Promise<{ pid: number | undefined; output: string }> {
  const [file = '', ...args] = argv;
  const child = spawn(file, args, { cwd: root, env: { PATH: `${join(root, 'jdk')}:${process.env['PATH'] ?? ''}` } });
  let output = '';
  const exited = once(child, 'exit');
  const closed = once(child, 'close');
  // A command that never starts java exits by itself: its output then tells what went wrong.
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('java: pid')) resolve();
    });
    child.on('exit', () => resolve());
  });
  child.kill('SIGTERM');
  await exited;
  stopStray(output, child.pid);
  // All output read: the stray, if any, is gone, and with it the last writer.
  await closed;
  return { pid: child.pid, output };
}

/** A java that SIGTERM did not reach outlives the started process: it must not outlive the test. */
function stopStray(output: string, startedPid: number | undefined): void {
  const javaPid = Number(/java: pid (\d+)/.exec(output)?.[1]);
  try {
    if (javaPid && javaPid !== startedPid) process.kill(javaPid, 'SIGKILL');
  } catch {
    // Already gone: it received SIGTERM and exited.
  }
}

const containers = renderCluster(validCluster(EVERY_GROUP))
  .filter(isKind('StatefulSet'))
  .map((sts) => ({ name: sts.metadata.name, container: sts.spec?.template.spec?.containers[0] }));

describe('the JVM of every pod receives the pod\'s SIGTERM', () => {
  for (const name of ['example-atomixcluster-management', 'example-atomixcluster-bench-worker']) {
    test(`${name}: the start script's java replaces the started process, with the script's and the node's arguments`, async () => {
      const container = containers.find((candidate) => candidate.name === name)?.container;
      assert.ok(container?.command && container.args);
      const { pid, output } = await startThenTerminate([...container.command, ...container.args]);
      assert.equal(output, `java: pid ${String(pid)} args -cp lib/atomix.jar Agent ${container.args.join(' ')}\njava: SIGTERM\n`);
    });
  }

  test('the same script started plainly keeps java a child, which SIGTERM does not reach', async () => {
    const { pid, output } = await startThenTerminate(['./bin/atomix-agent', '--config', 'x']);
    const javaPid = /java: pid (\d+)/.exec(output)?.[1];
    assert.notEqual(javaPid, String(pid));
    assert.ok(!output.includes('SIGTERM'), output);
  });
});
