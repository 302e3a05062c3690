import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadKubeConfig, type ApiServerAccess } from '../../../src/kube/kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

async function withKubeconfig(config: object, body: (file: string, directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
  const file = join(directory, 'config');
  await writeFile(file, stringify(config));
  try {
    await body(file, directory);
  } finally {
    await rm(directory, { recursive: true });
  }
}

async function requestOptions(access: ApiServerAccess): Promise<https.RequestOptions> {
  const options: https.RequestOptions = {};
  await access.authenticate(options);
  return options;
}

function config(cluster: object, user: object, namespace?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'ctx',
  };
}

test('an explicit file is read and the context selected', async () => {
  await withKubeconfig(
    {
      clusters: [
        { name: 'one', cluster: { server: 'https://one:6443/' } },
        { name: 'two', cluster: { server: 'https://two:6443' } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'first', context: { cluster: 'one', user: 'u' } },
        { name: 'second', context: { cluster: 'two', user: 'u', namespace: 'ns' } },
      ],
      'current-context': 'first',
    },
    async (file) => {
      const first = loadKubeConfig({ kubeconfig: file });
      assert.equal(first.server, 'https://one:6443');
      assert.equal(first.namespace, undefined);
      const second = loadKubeConfig({ kubeconfig: file, context: 'second' });
      assert.deepEqual([second.server, second.namespace], ['https://two:6443', 'ns']);
      assert.throws(() => loadKubeConfig({ kubeconfig: file, context: 'third' }), /no context named third/);
    },
  );
});

test('KUBECONFIG: the first file of the list is read', async () => {
  await withKubeconfig(config({ server: 'https://from-env:6443' }, {}), async (file) => {
    const saved = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = `${file}:/nonexistent/second`;
    try {
      assert.equal(loadKubeConfig().server, 'https://from-env:6443');
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });
});

test('embedded CA and client certificate, TLS server name and insecure mode go into the agent', async () => {
  const data = (text: string) => Buffer.from(text).toString('base64');
  await withKubeconfig(
    config(
      { server: 'https://c:6443', 'certificate-authority-data': data(CA), 'tls-server-name': 'kubernetes', 'insecure-skip-tls-verify': true },
      { 'client-certificate-data': data('cert'), 'client-key-data': data('key') },
    ),
    async (file) => {
      const options = await requestOptions(loadKubeConfig({ kubeconfig: file }));
      const { rejectUnauthorized, ca, cert, key, servername } = (options.agent as https.Agent).options;
      assert.deepEqual({ rejectUnauthorized, ca, cert, key, servername }, { rejectUnauthorized: false, ca: CA, cert: 'cert', key: 'key', servername: 'kubernetes' });
      assert.equal(options.headers, undefined, 'no token, no Authorization header');
    },
  );
});

test('certificate files are resolved relative to the kubeconfig file', async () => {
  await withKubeconfig(config({ server: 'https://c:6443', 'certificate-authority': 'ca.crt' }, { username: 'admin', password: 'pw' }), async (file, directory) => {
    await writeFile(join(directory, 'ca.crt'), CA);
    const options = await requestOptions(loadKubeConfig({ kubeconfig: file }));
    assert.equal((options.agent as https.Agent).options.ca, CA);
    assert.equal((options.agent as https.Agent).options.rejectUnauthorized, true);
    assert.equal(options.auth, 'admin:pw');
  });
});

test('a token file is re-read once a minute, so rotated tokens are picked up', async () => {
  let now = 1_000_000;
  mock.method(Date, 'now', () => now);
  try {
    await withKubeconfig(config({ server: 'http://c:8080' }, { tokenFile: 'token' }), async (file, directory) => {
      const tokenFile = join(directory, 'token');
      await writeFile(tokenFile, 'first\n');
      const access = loadKubeConfig({ kubeconfig: file });
      const authorization = async () => (await requestOptions(access)).headers;
      assert.deepEqual(await authorization(), { Authorization: 'Bearer first' });
      await writeFile(tokenFile, 'second\n');
      now += 59_000;
      assert.deepEqual(await authorization(), { Authorization: 'Bearer first' });
      now += 1_000;
      assert.deepEqual(await authorization(), { Authorization: 'Bearer second' });
      assert.equal((await requestOptions(access)).agent, undefined, 'plain HTTP needs no TLS agent');
    });
  } finally {
    mock.restoreAll();
  }
});

test('users with a credential plugin are authenticated by client-node, loaded on first use', async () => {
  await withKubeconfig(
    config({ server: 'https://c:6443' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'echo', args: ['{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'] } }, 'ns'),
    async (file) => {
      const access = loadKubeConfig({ kubeconfig: file });
      assert.deepEqual([access.server, access.namespace], ['https://c:6443', 'ns']);
      const options = await requestOptions(access);
      assert.equal((options.headers as Record<string, string>)['Authorization'], 'Bearer from-plugin');
    },
  );
});
