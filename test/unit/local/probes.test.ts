import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portNumber, ProbeWorker, runProbe, type ProbeTarget } from '../../../src/local/node/probes.js';

/** An exec target answering with the given exit codes in turn (the last one repeats). */
function scripted(exitCodes: (number | undefined)[]): ProbeTarget & { calls: number } {
  const target = {
    calls: 0,
    podIP: '127.0.0.1',
    container: { name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { name: 'gossip', containerPort: 5679, protocol: 'UDP' }] },
    exec: async () => {
      await Promise.resolve();
      return exitCodes[Math.min(target.calls++, exitCodes.length - 1)];
    },
  };
  return target;
}

async function results(kind: 'readiness' | 'liveness' | 'startup', exitCodes: (number | undefined)[], probe: object, ticks: number): Promise<boolean[]> {
  const target = scripted(exitCodes);
  const seen: boolean[] = [];
  const worker = new ProbeWorker(kind, { exec: { command: ['x'] }, periodSeconds: 0.001, ...probe }, target, (success) => seen.push(success));
  worker.start();
  while (target.calls < ticks) await new Promise((resolve) => setTimeout(resolve, 2));
  worker.stop();
  return seen;
}

test('readiness starts failed, needs successThreshold successes in a row, and failureThreshold failures to drop', async () => {
  assert.deepEqual(await results('readiness', [0, 1, 0, 0, 1, 1, 1], { successThreshold: 2, failureThreshold: 3 }, 9), [true, false]);
});

test('liveness reports only its failure, after failureThreshold failures in a row', async () => {
  assert.deepEqual(await results('liveness', [1, 1, 0, 1, 1, 1], { failureThreshold: 3 }, 6), [false]);
  assert.deepEqual(await results('liveness', [1, 1, 0, 1, 1, 0], { failureThreshold: 3 }, 6), []);
});

test('startup reports its first success, or its failure after failureThreshold', async () => {
  assert.deepEqual(await results('startup', [1, 1, 0], { failureThreshold: 5 }, 3), [true]);
  assert.deepEqual(await results('startup', [1], { failureThreshold: 2 }, 2), [false]);
});

test('an exec probe that times out fails, saying so', async () => {
  assert.deepEqual(await runProbe({ exec: { command: ['x'] }, timeoutSeconds: 2 }, scripted([undefined])), { success: false, message: 'command timed out after 2s' });
});

test('named ports resolve against the container’s TCP ports', () => {
  const { container } = scripted([0]);
  assert.equal(portNumber('http', container), 8080);
  assert.equal(portNumber(9090, container), 9090);
  assert.equal(portNumber('9091', container), 9091);
  assert.throws(() => portNumber('gossip', container), /port "gossip" is not a named TCP port of container c/);
});

test('a tcpSocket probe to a closed port fails; a grpc probe is refused as unsupported', async () => {
  const target = scripted([0]);
  const closed = await runProbe({ tcpSocket: { port: 1 }, timeoutSeconds: 1 }, target);
  assert.equal(closed.success, false);
  assert.match((await runProbe({ grpc: { port: 1 } }, target)).message ?? '', /only httpGet, tcpSocket and exec/);
});
