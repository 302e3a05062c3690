// The Linux pod sandbox against the real kernel: namespaces, veths on a bridge, bind mounts,
// users, signals. Needs Linux and root, and fails (does not skip) without them.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LocalImageStore } from '../../src/local/images/local-image-store.js';
import { hostVethName } from '../../src/local/sandbox/network.js';
import { sandboxSupport, startSandboxRuntime } from '../../src/local/sandbox/runtime.js';
import type { ContainerLaunch, Sandbox, SandboxRuntime, SandboxSpec } from '../../src/local/sandbox/types.js';
import { waitFor } from '../support/cluster.js';
import { isAlive } from '../support/processes.js';
import { descendantsOf, hostMountsBelow, newProcesses, stillRunning, testPodNetwork, type ProcessIdentity } from '../support/sandbox.js';

const work = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
const stateDir = join(work, 'state');
let runtime: SandboxRuntime;
let pods = 0;
let launches = 0;

before(async () => {
  const support = await sandboxSupport();
  assert.ok(support.ok, `pod sandboxes are unavailable here: ${support.ok ? '' : support.reason}`);
  runtime = await startSandboxRuntime(testPodNetwork(stateDir));
});

after(async () => {
  await runtime.close();
  rmSync(work, { recursive: true, force: true });
});

function podSpec(hostname: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  pods += 1;
  return { podUid: `pod-${String(pods)}`, hostname, namespace: 'default', clusterDomain: 'cluster.local', resolvConf: `nameserver ${runtime.hostAddress}\n`, ...extra };
}

/** Runs `body` with a new sandbox for `spec`, and destroys the sandbox whatever happens. */
async function withSandbox(spec: SandboxSpec, body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await runtime.createSandbox(spec);
  try {
    await body(sandbox);
  } finally {
    await sandbox.destroy();
  }
}

function launch(name: string, argv: string[], extra: Partial<ContainerLaunch> = {}): ContainerLaunch {
  launches += 1;
  return { name, argv, env: {}, workingDir: '/', mounts: [], logPath: join(work, `${name}-${String(launches)}.log`), ...extra };
}

/** The text of a CRI log file's lines, each as "<stream> <text>". */
function logLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^\d{4}-\d\d-\d\dT\S+Z (stdout|stderr) F (.*)$/.exec(line);
      assert.ok(match, `not a CRI log line: ${line}`);
      return `${match[1] ?? ''} ${match[2] ?? ''}`;
    });
}

async function waitForLogLine(path: string, line: string): Promise<void> {
  await waitFor(() => logLines(path).includes(line), { what: `"${line}" in ${path}: ${logLines(path).join(' | ')}`, timeoutMs: 30_000 });
}

/** A TCP line server, a UDP echo and an HTTP server on the same ports in every pod. */
const SERVERS = `
const name = require('os').hostname();
require('net').createServer((socket) => socket.end(name + '\\n')).listen(5679);
const udp = require('dgram').createSocket('udp4');
udp.on('message', (message, peer) => udp.send(name + ':' + message, peer.port, peer.address));
udp.bind(5679, () => require('http').createServer((request, response) => response.end('http from ' + name)).listen(5678, () => console.log('listening')));
`;

/** From inside a pod: the TCP line and the UDP echo of the pod at process.argv[1]. */
const CLIENT = `
const [address] = process.argv.slice(1);
require('net').connect(5679, address).on('data', (data) => {
  process.stdout.write('tcp ' + data);
  const udp = require('dgram').createSocket('udp4');
  udp.on('message', (message) => { console.log('udp ' + message); udp.close(); });
  udp.send('ping', 5679, address);
});
`;

function tcpLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    connect(port, host)
      .on('data', (data) => (text += data.toString()))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

async function udpEcho(host: string, port: number, message: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    socket.send(message, port, host);
    const [reply] = (await once(socket, 'message')) as [Buffer];
    return reply.toString();
  } finally {
    socket.close();
  }
}

test('two pods serve TCP, UDP and HTTP on the same ports and reach each other and the host by IP', async () => {
  const [first, second] = await Promise.all([runtime.createSandbox(podSpec('pod-one')), runtime.createSandbox(podSpec('pod-two'))]);
  try {
    assert.notEqual(first.ip, second.ip);
    for (const sandbox of [first, second]) {
      const server = launch('servers', ['node', '-e', SERVERS]);
      await sandbox.start(server);
      await waitForLogLine(server.logPath, 'stdout listening');
    }
    const fromFirst = await first.exec('servers', ['node', '-e', CLIENT, second.ip], { timeoutMs: 20_000 });
    assert.deepEqual(fromFirst, { exitCode: 0, stdout: 'tcp pod-two\nudp pod-two:ping\n', stderr: '', timedOut: false });
    const fromSecond = await second.exec('servers', ['node', '-e', CLIENT, first.ip], { timeoutMs: 20_000 });
    assert.equal(fromSecond.stdout, 'tcp pod-one\nudp pod-one:ping\n');

    // Containers of one pod share its network namespace: a sidecar reaches the servers on localhost.
    const sidecar = launch('sidecar', ['node', '-e', "require('net').connect(5679, '127.0.0.1').on('data', (d) => process.stdout.write(d))"]);
    assert.equal((await (await first.start(sidecar)).exited).exitCode, 0);
    assert.deepEqual(logLines(sidecar.logPath), ['stdout pod-one']);

    assert.equal(await tcpLine(first.ip, 5679), 'pod-one\n');
    assert.equal(await udpEcho(second.ip, 5679, 'from the host'), 'pod-two:from the host');
    assert.equal(await (await fetch(`http://${second.ip}:5678/`)).text(), 'http from pod-two');

    // Pods reach the host's bridge address (where cluster DNS listens), and nothing beyond the pod network.
    const host = await first.exec('servers', ['node', '-e', `require('net').connect(${String(await listenOnHost(runtime.hostAddress))}, '${runtime.hostAddress}').on('data', (d) => process.stdout.write(d))`], { timeoutMs: 20_000 });
    assert.equal(host.stdout, 'host\n');
    const outside = await first.exec('servers', ['node', '-e', "require('net').connect(80, '192.0.2.1').on('error', (e) => console.log(e.code))"], { timeoutMs: 20_000 });
    assert.equal(outside.stdout, 'ENETUNREACH\n');
  } finally {
    await Promise.all([first.destroy(), second.destroy()]);
  }
});

let hostServer: import('node:net').Server | undefined;
after(() => hostServer?.close());

async function listenOnHost(address: string): Promise<number> {
  hostServer = (await import('node:net')).createServer((socket) => socket.end('host\n'));
  hostServer.listen(0, address);
  await once(hostServer, 'listening');
  const bound = hostServer.address();
  assert.ok(bound && typeof bound === 'object');
  return bound.port;
}

test('the root shows the host system, the mounts at their paths (read-only where asked), and the pod identity files', async () => {
  const image = join(work, 'image');
  const config = join(work, 'config');
  const data = join(work, 'data');
  for (const dir of [image, config, data]) mkdirSync(dir, { recursive: true });
  // As the kubelet's fsGroup handling would: the data volume belongs to the container's user.
  chownSync(data, 1000, 1001);
  writeFileSync(join(image, 'VERSION'), 'image 1\n');
  writeFileSync(join(config, 'atomix.conf'), 'cluster {}\n');
  const hostEtcHadAtomix = existsSync('/etc/atomix');
  await withSandbox(podSpec('atomix-0', { subdomain: 'atomix-hs', namespace: 'prod', resolvConf: 'nameserver 10.9.9.9\nsearch prod.svc.cluster.local\n' }), async (sandbox) => {
    const container = launch('atomix', ['sleep', '600'], {
      workingDir: '/opt/atomix',
      user: { uid: 1000, gid: 1001, supplementalGroups: [2000, 2001] },
      mounts: [
        { hostPath: image, containerPath: '/opt/atomix', readOnly: true },
        { hostPath: config, containerPath: '/etc/atomix', readOnly: true },
        { hostPath: data, containerPath: '/var/lib/atomix', readOnly: false },
      ],
    });
    await sandbox.start(container);
    const sh = (script: string) => sandbox.exec('atomix', ['sh', '-c', script], { timeoutMs: 20_000 });

    assert.equal((await sh('pwd; cat VERSION /etc/atomix/atomix.conf')).stdout, '/opt/atomix\nimage 1\ncluster {}\n');
    assert.equal((await sh('id -u; id -g; id -G')).stdout, '1000\n1001\n1001 2000 2001\n');
    assert.equal((await sh('cat /etc/hostname; hostname; cat /etc/resolv.conf')).stdout, 'atomix-0\natomix-0\nnameserver 10.9.9.9\nsearch prod.svc.cluster.local\n');
    const hosts = (await sh('cat /etc/hosts')).stdout.split('\n');
    assert.ok(hosts.includes(`${sandbox.ip}\tatomix-0.atomix-hs.prod.svc.cluster.local\tatomix-0`), hosts.join('\n'));

    const readOnly = await sh('echo changed > /opt/atomix/VERSION || echo image-ro; echo changed > /etc/atomix/atomix.conf || echo config-ro');
    assert.equal(readOnly.stdout, 'image-ro\nconfig-ro\n');
    assert.match(readOnly.stderr, /Read-only file system[\s\S]*Read-only file system/);
    assert.equal((await sh('echo written > /var/lib/atomix/file')).exitCode, 0);
    assert.equal(readFileSync(join(data, 'file'), 'utf8'), 'written\n');
    assert.equal(readFileSync(join(image, 'VERSION'), 'utf8'), 'image 1\n');
    writeFileSync(join(config, 'atomix.conf'), 'cluster { updated }\n');
    assert.equal((await sh('cat /etc/atomix/atomix.conf')).stdout, 'cluster { updated }\n', 'volume updates show in the running container');

    // The system is the host's, read-only; /tmp is the container's own.
    assert.equal((await sh('java -version 2>&1 | head -c 15; echo; test -w /usr/bin || echo usr-ro; touch /etc/x || echo etc-ro')).stdout, 'openjdk version\nusr-ro\netc-ro\n');
    const asRoot = launch('root', ['sh', '-c', 'echo 1 > /proc/sys/kernel/printk_ratelimit || echo sysctl-ro; touch /usr/x || echo usr-ro']);
    assert.equal((await (await sandbox.start(asRoot)).exited).exitCode, 0);
    assert.deepEqual(logLines(asRoot.logPath).filter((line) => line.startsWith('stdout')), ['stdout sysctl-ro', 'stdout usr-ro'], 'root in a container cannot change the kernel or the host system');
    const marker = `sandbox-private-${String(process.pid)}`;
    assert.equal((await sh(`echo private > /tmp/${marker} && cat /tmp/${marker}`)).stdout, 'private\n');
    assert.equal(existsSync(join('/tmp', marker)), false);
    assert.equal(existsSync('/etc/atomix'), hostEtcHadAtomix, "the host's /etc is untouched");
    assert.deepEqual(hostMountsBelow(stateDir), [], "nothing is mounted in the host's namespace");
  });
});

test('bad mounts and log paths are refused with the path and the problem', async () => {
  await withSandbox(podSpec('bad-mounts'), async (sandbox) => {
    await assert.rejects(sandbox.start(launch('c', ['true'], { mounts: [{ hostPath: '/nonexistent-source', containerPath: '/data', readOnly: true }] })), /mount \/data: its source \/nonexistent-source does not exist/);
    await assert.rejects(sandbox.start(launch('c', ['true'], { mounts: [{ hostPath: work, containerPath: '/usr/local/x', readOnly: true }] })), /path \/usr\/local\/x: \/usr is provided by the sandbox/);
    await assert.rejects(sandbox.start(launch('c', ['true'], { workingDir: '../x' })), /path "\.\.\/x" must be absolute/);
    await assert.rejects(sandbox.start(launch('c', ['true'], { logPath: join(work, 'no-such-dir', 'c.log') })), /container c: cannot write its log .*no-such-dir\/c\.log: .*ENOENT/);
    const ok = await sandbox.start(launch('c', ['true']));
    assert.equal((await ok.exited).exitCode, 0);
  });
});

test('exit codes, SIGTERM to the main process, and SIGKILL (137) for one that ignores it', async () => {
  await withSandbox(podSpec('signals'), async (sandbox) => {
    const exits = launch('exits', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    const exiting = await sandbox.start(exits);
    assert.deepEqual(await exiting.exited, { exitCode: 7, signal: null });
    assert.deepEqual(logLines(exits.logPath).sort(), ['stderr err', 'stdout out']);
    const restarted = await sandbox.start(launch('exits', ['sh', '-c', 'exit 8']));
    assert.deepEqual(await restarted.exited, { exitCode: 8, signal: null }, 'a container starts again in its pod');

    const handling = launch('handles', ['sh', '-c', 'trap "echo terminated; exit 3" TERM; echo ready; while :; do sleep 0.1; done']);
    const handler = await sandbox.start(handling);
    await waitForLogLine(handling.logPath, 'stdout ready');
    handler.signal('SIGTERM');
    assert.deepEqual(await handler.exited, { exitCode: 3, signal: null });
    assert.ok(logLines(handling.logPath).includes('stdout terminated'));

    const plain = launch('plain', ['sh', '-c', 'echo ready; exec sleep 600']);
    const sleeper = await sandbox.start(plain);
    await waitForLogLine(plain.logPath, 'stdout ready');
    sleeper.signal('SIGTERM');
    assert.deepEqual(await sleeper.exited, { exitCode: 143, signal: 'SIGTERM' });

    const ignoring = launch('ignores', ['sh', '-c', 'trap "" TERM; sleep 600 & echo ready; wait; wait']);
    const stubborn = await sandbox.start(ignoring);
    await waitForLogLine(ignoring.logPath, 'stdout ready');
    const children = descendantsOf(stubborn.pid);
    assert.equal(children.length, 1, 'the background sleep');
    stubborn.signal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.ok(isAlive(stubborn.pid), 'SIGTERM is ignored');
    stubborn.signal('SIGKILL');
    assert.deepEqual(await stubborn.exited, { exitCode: 137, signal: 'SIGKILL' });
    assert.deepEqual(stillRunning(children), [], "the container's other processes are gone when exited resolves");

    const missing = await sandbox.start(launch('missing', ['no-such-program']));
    assert.equal((await missing.exited).exitCode, 127);
  });
});

test('exec runs in the container as its user, reports exit codes, and times out', async () => {
  const sandbox = await runtime.createSandbox(podSpec('exec'));
  try {
    await sandbox.start(launch('app', ['sleep', '600'], { env: { GREETING: 'hello' }, workingDir: '/work', user: { uid: 1234, gid: 1234, supplementalGroups: [] } }));
    // The container's own pid namespace: its init, its main process, and this sh (the glob is
    // expanded by sh itself, so no other process of the exec is counted, however they race).
    assert.deepEqual(await sandbox.exec('app', ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u)"; set -- /proc/[0-9]*; echo $#; exit 4'], { timeoutMs: 20_000 }), {
      exitCode: 4,
      stdout: 'hello from /work as 1234\n3\n',
      stderr: '',
      timedOut: false,
    });
    const startedAt = Date.now();
    const slow = await sandbox.exec('app', ['sleep', '60'], { timeoutMs: 500 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, 137);
    assert.ok(Date.now() - startedAt < 15_000, 'the timeout ended the command');
    const leavesChild = await sandbox.exec('app', ['sh', '-c', 'sleep 60 & echo started'], { timeoutMs: 1_000 });
    assert.deepEqual(leavesChild, { exitCode: 0, stdout: 'started\n', stderr: '', timedOut: true }, 'a background process holding the output open');
    assert.ok(Date.now() - startedAt < 30_000);
    await assert.rejects(sandbox.exec('other', ['true'], { timeoutMs: 1_000 }), /container other is not running/);
  } finally {
    await sandbox.destroy();
  }
  await assert.rejects(sandbox.exec('app', ['true'], { timeoutMs: 1_000 }), /container app is not running/);
});

test('java runs inside the root, and the atomix/atomix:3.1.12 image starts its agent there', async () => {
  const resolution = await new LocalImageStore().resolve('atomix/atomix:3.1.12');
  assert.ok(resolution.ok, resolution.ok ? '' : resolution.message);
  const image = resolution.runtime;
  await withSandbox(podSpec('java'), async (sandbox) => {
    const version = launch('java-version', ['java', '-version']);
    assert.deepEqual(await (await sandbox.start(version)).exited, { exitCode: 0, signal: null });
    assert.match(logLines(version.logPath).join('\n'), /^stderr openjdk version "17/);

    // As the kubelet composes it: the image's files, a fresh writable directory at each of its writable places.
    const writable = image.writableDirs.map((containerPath, index) => {
      const hostPath = join(work, `writable-${String(index)}`);
      mkdirSync(hostPath);
      chownSync(hostPath, image.user?.uid ?? 0, image.user?.gid ?? 0);
      return { hostPath, containerPath, readOnly: false };
    });
    const help = launch('atomix', [...image.entrypoint, '--help'], {
      env: image.env,
      workingDir: image.workingDir,
      mounts: [...image.mounts, ...writable],
      user: image.user && { ...image.user, supplementalGroups: [] },
    });
    await (await sandbox.start(help)).exited;
    assert.ok(logLines(help.logPath).includes('stdout usage: AtomixServer [-h] [--member [MEMBER]] [--address [HOST:PORT]]'), logLines(help.logPath).join('\n'));
  });
});

function linkExists(name: string): Promise<boolean> {
  return promisify(execFile)('ip', ['link', 'show', name]).then(
    () => true,
    () => false,
  );
}

async function netnsNames(): Promise<string> {
  return (await promisify(execFile)('ip', ['netns', 'list'])).stdout;
}

test('destroy() and close() leave no process, interface, mount, netns entry or state', async () => {
  const netnsBefore = await netnsNames();
  const ownState = join(work, 'own-state');
  const own = await startSandboxRuntime(testPodNetwork(ownState, 1));
  const bridge = testPodNetwork(ownState, 1).bridge;
  assert.equal(await linkExists(bridge), true);
  const before = descendantsOf(process.pid);
  const sandbox = await own.createSandbox(podSpec('destroyed'));
  const volume = join(work, 'volume');
  mkdirSync(volume, { recursive: true });
  await sandbox.start(launch('busy', ['sh', '-c', 'sleep 600 & sleep 600'], { mounts: [{ hostPath: volume, containerPath: '/data', readOnly: false }] }));
  const started = newProcesses(before, descendantsOf(process.pid));
  assert.ok(started.length >= 5, `holder, init, main and its children: ${started.map(({ pid }) => pid).join(' ')}`);
  assert.equal(await linkExists(hostVethName(sandbox.ip)), true);
  assert.ok(readdirSync(join(ownState, 'pods')).length === 1);

  await sandbox.destroy();
  await sandbox.destroy();
  assert.deepEqual(stillRunning(started), []);
  assert.equal(await linkExists(hostVethName(sandbox.ip)), false);
  assert.deepEqual(readdirSync(join(ownState, 'pods')), []);
  assert.equal(existsSync(volume), true, 'volumes stay: they are the kubelet’s');

  await own.createSandbox(podSpec('closed'));
  await own.close();
  assert.equal(await linkExists(bridge), false);
  assert.equal(existsSync(ownState), false);
  assert.deepEqual(newProcesses(before, descendantsOf(process.pid)), []);
  assert.deepEqual(hostMountsBelow(work), []);
  assert.equal(await netnsNames(), netnsBefore);
});

test('many pods at once: each gets its own address and network, and close() takes them all down', async () => {
  const busyState = join(work, 'busy-state');
  const busy = await startSandboxRuntime(testPodNetwork(busyState, 1));
  const before = descendantsOf(process.pid);
  const sandboxes = await Promise.all(Array.from({ length: 8 }, (_, index) => busy.createSandbox(podSpec(`many-${String(index)}`))));
  assert.equal(new Set(sandboxes.map((sandbox) => sandbox.ip)).size, 8);
  await Promise.all(sandboxes.map((sandbox) => sandbox.start(launch('idle', ['sleep', '600']))));
  const addresses = await Promise.all(sandboxes.map((sandbox) => sandbox.exec('idle', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { timeoutMs: 20_000 })));
  assert.deepEqual(addresses.map((result) => /inet (\S+)\//.exec(result.stdout)?.[1]), sandboxes.map((sandbox) => sandbox.ip));
  await busy.close();
  assert.deepEqual(newProcesses(before, descendantsOf(process.pid)), []);
  for (const sandbox of sandboxes) assert.equal(await linkExists(hostVethName(sandbox.ip)), false);
  assert.equal(existsSync(busyState), false);
});

async function startOwner(ownerState: string): Promise<{ owner: ReturnType<typeof spawn>; veth: string; bridge: string; processes: ProcessIdentity[] }> {
  const fixture = fileURLToPath(new URL('../support/sandbox-owner-fixture.ts', import.meta.url));
  const owner = spawn(process.execPath, ['--import', 'tsx', fixture, ownerState], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: owner.stdout }), 'line')) as [string];
  const { veth } = JSON.parse(line) as { veth: string };
  assert.ok(owner.pid);
  return { owner, veth, bridge: testPodNetwork(ownerState, 0, owner.pid).bridge, processes: descendantsOf(owner.pid) };
}

test('when the owner of a runtime is SIGKILLed, its pods, veths, bridge and state go too', async () => {
  const ownerState = join(work, 'killed-owner');
  const { owner, veth, bridge, processes } = await startOwner(ownerState);
  assert.equal(await linkExists(bridge), true);
  assert.equal(await linkExists(veth), true);
  assert.ok(processes.length >= 5);

  owner.kill('SIGKILL');
  await waitFor(async () => stillRunning(processes).length === 0 && !(await linkExists(veth)) && !(await linkExists(bridge)) && !existsSync(ownerState), {
    what: 'the dead owner’s processes, veth, bridge and state to go',
    timeoutMs: 20_000,
  });
});

test('the next start cleans up after an owner that died with its watchdog', async () => {
  const ownerState = join(work, 'killed-owner-and-watchdog');
  const { owner, veth, bridge, processes } = await startOwner(ownerState);
  const record = JSON.parse(readFileSync(join(ownerState, 'sandbox-runtime.json'), 'utf8')) as { watchdog: { pid: number } };
  process.kill(record.watchdog.pid, 'SIGKILL');
  owner.kill('SIGKILL');
  await waitFor(() => stillRunning(processes).length === 0, { what: 'the dead owner’s pod processes to go', timeoutMs: 20_000 });
  assert.equal(await linkExists(bridge), true, 'without its watchdog, the bridge stays');
  assert.equal(existsSync(ownerState), true);

  // The owner's pid is dead, so its network options (named after that pid) are free to reuse.
  const next = await startSandboxRuntime(testPodNetwork(ownerState, 0, owner.pid ?? 0));
  assert.equal(existsSync(join(ownerState, 'pods', 'owner-fixture')), false);
  assert.equal(await linkExists(veth), false);
  await next.close();
  assert.equal(await linkExists(bridge), false);
  assert.equal(existsSync(ownerState), false);
});

test('sandboxSupport() says why a process cannot run pods: here, as a user other than root', async () => {
  const runtimeModule = fileURLToPath(new URL('../../src/local/sandbox/runtime.ts', import.meta.url));
  // The child loads the module as root, then drops to uid 65534 for good before it asks: the
  // checkout (and tsx in it) need not be readable by that user, as under a 0700 temp directory.
  const dropToNobody = 'process.setgroups([]); process.setgid(65534); process.setuid(65534);';
  const script = `import(${JSON.stringify(runtimeModule)}).then(async (m) => { ${dropToNobody} console.log(JSON.stringify([process.getuid(), await m.sandboxSupport()])); })`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  assert.deepEqual(JSON.parse(stdout), [65534, { ok: false, reason: 'pod sandboxes need root (network and mount namespaces, veth pairs); running as uid 65534' }]);
});

test('a runtime refuses a pod CIDR that another interface uses, and a state directory in use', async () => {
  await assert.rejects(startSandboxRuntime({ ...testPodNetwork(join(work, 'other'), 1), cidr: testPodNetwork(stateDir).cidr }), /overlaps .* on sbt/);
  await assert.rejects(startSandboxRuntime({ ...testPodNetwork(stateDir, 1) }), /belongs to a running runtime/);
  await assert.rejects(startSandboxRuntime({ ...testPodNetwork(join(work, 'bad'), 1), cidr: '10.1.2.3/24' }), /host bits set: use 10\.1\.2\.0\/24/);
  await assert.rejects(startSandboxRuntime({ ...testPodNetwork(join(work, 'with space'), 1) }), /must be an absolute path other than \/ without whitespace/);
});
