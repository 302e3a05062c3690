import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { CriLineSplitter, CriLogWriter } from '../../../src/local/sandbox/cri-log.js';
import { hostVethName, parseCidr, PodAddressPool } from '../../../src/local/sandbox/network.js';
import { podEtcFiles, prepareContainerRoot } from '../../../src/local/sandbox/rootfs.js';

test('pod CIDRs: parsed, and refused with the reason', () => {
  assert.deepEqual(parseCidr('10.244.0.0/16'), { network: 0x0af40000, prefix: 16 });
  assert.throws(() => parseCidr('10.244.0.0'), /pod CIDR "10.244.0.0" is not an IPv4 CIDR/);
  assert.throws(() => parseCidr('10.300.0.0/16'), /not an IPv4 CIDR/);
  assert.throws(() => parseCidr('10.0.0.0/30'), /prefix length must be between 8 and 29/);
  assert.throws(() => parseCidr('10.244.1.0/16'), /host bits set: use 10.244.0.0\/16/);
});

test('pod addresses: the first host address is the bridge, pods get the rest, round the range', () => {
  const pool = new PodAddressPool(parseCidr('10.9.8.0/29'));
  assert.equal(pool.hostAddress, '10.9.8.1');
  const addresses = [1, 2, 3, 4, 5].map(() => pool.allocate());
  assert.deepEqual(addresses, ['10.9.8.2', '10.9.8.3', '10.9.8.4', '10.9.8.5', '10.9.8.6']);
  assert.throws(() => pool.allocate(), /10.9.8.0\/29 has no free address left \(5 pods\)/);
  pool.release('10.9.8.4');
  pool.release('10.9.8.2');
  assert.equal(pool.allocate(), '10.9.8.2', 'the search continues after the last address handed out');
  assert.equal(pool.allocate(), '10.9.8.4');
  assert.equal(hostVethName('10.9.8.4'), 'vp0a090804');
});

test('CRI log records: one per line, long lines cut into partial records', () => {
  const splitter = new CriLineSplitter('stderr');
  const strip = (records: string[]) => records.map((record) => record.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));
  assert.deepEqual(strip(splitter.push('one\ntw')), ['stderr F one\n']);
  assert.deepEqual(strip(splitter.push('o\n\nthree')), ['stderr F two\n', 'stderr F \n']);
  assert.deepEqual(strip(splitter.end()), ['stderr F three\n']);
  const long = strip(splitter.push(`${'x'.repeat(16 * 1024 + 3)}\n`));
  assert.deepEqual(long, [`stderr P ${'x'.repeat(16 * 1024)}\n`, 'stderr F xxx\n']);
});

test('a CRI log file gets both streams, all of a large output, and is complete when closed resolves', async () => {
  const path = join(work, 'container.log');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const writer = new CriLogWriter(path, { stdout, stderr });
  const line = `${'y'.repeat(99)}\n`;
  for (let n = 0; n < 50_000; n++) stdout.write(line);
  stderr.end('oops\nno newline');
  stdout.end();
  await writer.closed;
  const records = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(records.length, 50_002);
  assert.equal(records.filter((record) => / stdout F y{99}$/.test(record)).length, 50_000);
  assert.deepEqual(records.filter((record) => record.includes(' stderr ')).map((record) => record.replace(/^\S+ /, '')), ['stderr F oops', 'stderr F no newline']);
});

test('/etc files of a pod, as the kubelet writes them', () => {
  const files = podEtcFiles({ podUid: 'u', hostname: 'atomix-1', subdomain: 'atomix-hs', namespace: 'ns', clusterDomain: 'cluster.local', resolvConf: 'nameserver 10.0.0.1\n' }, '10.0.0.7');
  assert.equal(files.hostname, 'atomix-1\n');
  assert.equal(files['resolv.conf'], 'nameserver 10.0.0.1\n');
  assert.match(files.hosts ?? '', /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n[\s\S]*\n10\.0\.0\.7\tatomix-1\.atomix-hs\.ns\.svc\.cluster\.local\tatomix-1\n$/);
  const bare = podEtcFiles({ podUid: 'u', hostname: 'solo', namespace: 'ns', clusterDomain: 'cluster.local', resolvConf: '' }, '10.0.0.8');
  assert.match(bare.hosts ?? '', /\n10\.0\.0\.8\tsolo\n$/);
});

const work = mkdtempSync(join(tmpdir(), 'sandbox-rootfs-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a container root: system directories, the /etc overlay, mount points in order, all in its fstab', () => {
  const image = join(work, 'image');
  mkdirSync(join(image, 'conf'), { recursive: true });
  writeFileSync(join(work, 'token'), 'secret');
  const dir = join(work, 'container');
  const { root, fstab } = prepareContainerRoot(dir, join(work, 'pod-etc'), [
    { hostPath: image, containerPath: '/opt/atomix', readOnly: true },
    { hostPath: join(work, 'token'), containerPath: '/var/run/secrets/token', readOnly: true },
    { hostPath: work, containerPath: '/etc/atomix', readOnly: false },
    { hostPath: work, containerPath: '/opt/atomix/conf', readOnly: false },
  ], '/opt/atomix');
  const lines = readFileSync(fstab, 'utf8').trim().split('\n');
  assert.equal(lines[0], `${root} ${root} none bind 0 0`);
  assert.ok(lines.includes(`overlay ${root}/etc overlay ro,lowerdir=${dir}/etc:${work}/pod-etc:/etc 0 0`));
  assert.deepEqual(lines.slice(-4), [
    `${image} ${root}/opt/atomix none bind,ro 0 0`,
    `${work}/token ${root}/var/run/secrets/token none bind,ro 0 0`,
    `${work} ${root}/etc/atomix none bind 0 0`,
    `${work} ${root}/opt/atomix/conf none bind 0 0`,
  ]);
  assert.equal(readFileSync(join(root, 'var/run/secrets/token'), 'utf8'), '', 'a file mount point');
  assert.ok(existsSync(join(dir, 'etc', 'atomix')), 'mount points below /etc go into the overlay layer');
  assert.equal(existsSync(join(image, 'opt')), false, "nothing is created in a mount's source");
  assert.equal(readlinkSync(join(root, 'dev', 'fd')), '/proc/self/fd');
});

test('mount points missing inside an earlier mount: a layer under a read-only one, created in a writable one', () => {
  const image = join(work, 'image-without-data');
  const volume = join(work, 'volume-without-cache');
  mkdirSync(join(image, 'bin'), { recursive: true });
  mkdirSync(volume);
  const dir = join(work, 'nested');
  const { root, fstab } = prepareContainerRoot(dir, join(work, 'pod-etc'), [
    { hostPath: image, containerPath: '/opt/atomix', readOnly: true },
    { hostPath: volume, containerPath: '/var/lib/atomix', readOnly: false },
    { hostPath: work, containerPath: '/opt/atomix/data', readOnly: false },
    { hostPath: work, containerPath: '/var/lib/atomix/cache', readOnly: false },
  ], '/opt/atomix/log');
  const lines = readFileSync(fstab, 'utf8').trim().split('\n');
  assert.deepEqual(lines.slice(-4), [
    `overlay ${root}/opt/atomix overlay ro,lowerdir=${dir}/layers/0:${image} 0 0`,
    `${volume} ${root}/var/lib/atomix none bind 0 0`,
    `${work} ${root}/opt/atomix/data none bind 0 0`,
    `${work} ${root}/var/lib/atomix/cache none bind 0 0`,
  ]);
  assert.deepEqual(readdirSync(join(dir, 'layers', '0')).sort(), ['data', 'log'], 'the working directory too');
  assert.deepEqual(readdirSync(image), ['bin'], 'the read-only source is untouched');
  assert.deepEqual(readdirSync(volume), ['cache'], 'as runtimes do, in the writable volume');
});

test('a container root refuses mounts it cannot place, naming the path', () => {
  const attempt = (name: string, containerPath: string, workingDir = '/') => () =>
    prepareContainerRoot(join(work, name), join(work, 'pod-etc'), [{ hostPath: work, containerPath, readOnly: true }], workingDir);
  assert.throws(attempt('a', '/usr/share/x'), /path \/usr\/share\/x: \/usr is provided by the sandbox/);
  assert.throws(attempt('b', '/proc/x'), /\/proc is provided by the sandbox/);
  assert.throws(attempt('c', 'relative'), /path "relative" must be absolute and normalized/);
  assert.throws(attempt('d', '/a/../b'), /path "\/a\/..\/b" must be absolute and normalized/);
  assert.throws(() => prepareContainerRoot(join(work, 'f'), join(work, 'pod-etc'), [{ hostPath: '/no/such', containerPath: '/x', readOnly: true }], '/'), /mount \/x: its source \/no\/such does not exist/);
});
