import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  CERTIFICATE_FILE_REFRESH_MS,
  loadKubeConfig,
  TOKEN_FILE_REFRESH_MS,
  type ApiServerAccess,
} from '../../../src/kube/kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

async function withKubeconfig(config: object, body: (file: string, directory: string) => void | Promise<void>): Promise<void> {
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
    (file) => {
      const first = loadKubeConfig({ kubeconfig: file });
      assert.equal(first.server, 'https://one:6443');
      assert.equal(first.namespace, undefined);
      const second = loadKubeConfig({ kubeconfig: file, context: 'second' });
      assert.deepEqual([second.server, second.namespace], ['https://two:6443', 'ns']);
      assert.throws(() => loadKubeConfig({ kubeconfig: file, context: 'third' }), /no context named third/);
    },
  );
});

test('KUBECONFIG: files of the list that do not exist are skipped', async () => {
  await withKubeconfig(config({ server: 'https://from-env:6443' }, {}), (file) => {
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

const unsignedJwt = (claims: object) =>
  ['{"alg":"none"}', JSON.stringify(claims)].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.';

/** The proxy a hand-off agent tunnels through (client-node's proxy agents keep it as a URL). */
const proxyOf = (options: https.RequestOptions) => (options.agent as { proxy?: URL } | undefined)?.proxy?.href;

test('KUBECONFIG: every file is merged as kubectl does; the first to define a name wins; paths are relative to their file', async () => {
  await withKubeconfig(
    {
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'first' } }],
      users: [{ name: 'u', user: { token: 'from-first' } }],
    },
    async (first) => {
      await withKubeconfig(
        {
          'current-context': 'other',
          clusters: [{ name: 'c', cluster: { server: 'https://second:6443', 'certificate-authority': 'ca.crt' } }],
          users: [{ name: 'u', user: { token: 'from-second' } }],
        },
        async (second, secondDir) => {
          await writeFile(join(secondDir, 'ca.crt'), CA);
          const access = loadKubeConfig({ env: { KUBECONFIG: `${first}:${second}` } });
          assert.deepEqual([access.server, access.namespace], ['https://second:6443', 'first']);
          const options = await requestOptions(access);
          assert.equal((options.agent as https.Agent).options.ca, CA, 'ca.crt is found next to the file that names it');
          assert.deepEqual(options.headers, { Authorization: 'Bearer from-first' });
        },
      );
    },
  );
});

test('in cluster: the service account directory gives server, namespace, CA and a token', async () => {
  await withKubeconfig({}, async (_file, dir) => {
    await writeFile(join(dir, 'token'), 'sa-token\n');
    await writeFile(join(dir, 'ca.crt'), CA);
    await writeFile(join(dir, 'namespace'), 'operators\n');
    const access = loadKubeConfig({ serviceAccountDir: dir, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '6443' } });
    assert.deepEqual([access.server, access.namespace], ['https://10.96.0.1:6443', 'operators']);
    const options = await requestOptions(access);
    assert.equal((options.agent as https.Agent).options.ca, CA);
    assert.equal((options.agent as https.Agent).options.rejectUnauthorized, true);
    assert.deepEqual(options.headers, { Authorization: 'Bearer sa-token' });
  });
});

test('in cluster: an IPv6 service host is bracketed, the port defaults to 443, a missing namespace file means none', async () => {
  await withKubeconfig({}, async (_file, dir) => {
    await writeFile(join(dir, 'token'), 't');
    await writeFile(join(dir, 'ca.crt'), CA);
    const access = loadKubeConfig({ serviceAccountDir: dir, env: { KUBERNETES_SERVICE_HOST: 'fd00::1' } });
    assert.deepEqual([access.server, access.namespace], ['https://[fd00::1]:443', undefined]);
    assert.throws(() => loadKubeConfig({ serviceAccountDir: join(dir, 'missing'), env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }), /ca\.crt/);
  });
});

test('no kubeconfig and not in a pod is an error that says what to do', () => {
  assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: '/nonexistent/config' } }), /no kubeconfig: set --kubeconfig or KUBECONFIG/);
});

test('rotated client certificate and CA files are read again after five minutes, giving a new TLS agent', async () => {
  let now = 5_000_000;
  mock.method(Date, 'now', () => now);
  try {
    await withKubeconfig(
      config({ server: 'https://c:6443', 'certificate-authority': 'ca.crt' }, { 'client-certificate': 'tls.crt', 'client-key': 'tls.key' }),
      async (file, dir) => {
        const write = (suffix: string) =>
          Promise.all([writeFile(join(dir, 'ca.crt'), `ca-${suffix}`), writeFile(join(dir, 'tls.crt'), `cert-${suffix}`), writeFile(join(dir, 'tls.key'), `key-${suffix}`)]);
        await write('1');
        const access = loadKubeConfig({ kubeconfig: file });
        const tls = async () => {
          const { ca, cert, key } = ((await requestOptions(access)).agent as https.Agent).options;
          return [ca, cert, key];
        };
        const firstAgent = (await requestOptions(access)).agent;
        assert.deepEqual(await tls(), ['ca-1', 'cert-1', 'key-1']);
        await write('2');
        now += CERTIFICATE_FILE_REFRESH_MS - 1;
        assert.deepEqual(await tls(), ['ca-1', 'cert-1', 'key-1']);
        assert.equal((await requestOptions(access)).agent, firstAgent, 'unchanged material keeps its agent');
        now += 1;
        assert.deepEqual(await tls(), ['ca-2', 'cert-2', 'key-2']);
        assert.equal(CERTIFICATE_FILE_REFRESH_MS, 5 * 60_000);
      },
    );
  } finally {
    mock.restoreAll();
  }
});

test('a proxy-url is handed to client-node, whose agent tunnels through it', async () => {
  await withKubeconfig(config({ server: 'https://c:6443', 'proxy-url': 'http://proxy.example:3128' }, { token: 't' }, 'ns'), async (file) => {
    const access = loadKubeConfig({ kubeconfig: file, env: {} });
    assert.deepEqual([access.server, access.namespace], ['https://c:6443', 'ns']);
    const options = await requestOptions(access);
    assert.equal(proxyOf(options), 'http://proxy.example:3128/');
    assert.equal((options.headers as Record<string, string>)['Authorization'], 'Bearer t');
  });
});

test('HTTPS_PROXY is honoured as client-go does: NO_PROXY and loopback servers bypass it', async () => {
  const cases: { server: string; env: NodeJS.ProcessEnv; proxy: string | undefined }[] = [
    { server: 'https://api.example:6443', env: { HTTPS_PROXY: 'http://p:3128' }, proxy: 'http://p:3128/' },
    { server: 'https://api.example:6443', env: { https_proxy: 'http://lower:3128' }, proxy: 'http://lower:3128/' },
    { server: 'https://api.example:6443', env: { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'other,.example' }, proxy: undefined },
    { server: 'https://10.1.2.3:6443', env: { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '10.0.0.0/8' }, proxy: undefined },
    { server: 'https://127.0.0.1:6443', env: { HTTPS_PROXY: 'http://p:3128' }, proxy: undefined },
    { server: 'https://api.example:6443', env: { HTTP_PROXY: 'http://p:3128' }, proxy: undefined },
  ];
  for (const { server, env, proxy } of cases) {
    await withKubeconfig(config({ server }, { token: 't' }), async (file) => {
      const options = await requestOptions(loadKubeConfig({ kubeconfig: file, env }));
      assert.equal(proxyOf(options), proxy, `${server} with ${JSON.stringify(env)}`);
      if (proxy === undefined) assert.equal((options.agent as https.Agent).constructor, https.Agent);
    });
  }
});

test('an auth-provider user is authenticated by client-node', async () => {
  const idToken = unsignedJwt({ exp: Math.floor(Date.now() / 1000) + 3600 });
  await withKubeconfig(config({ server: 'https://c:6443' }, { 'auth-provider': { name: 'oidc', config: { 'id-token': idToken } } }), async (file) => {
    const options = await requestOptions(loadKubeConfig({ kubeconfig: file, env: {} }));
    assert.equal((options.headers as Record<string, string>)['Authorization'], `Bearer ${idToken}`);
  });
});

test('impersonation: "as" is handed to client-node; what neither loader implements is refused by name', async () => {
  await withKubeconfig(config({ server: 'https://c:6443' }, { token: 't', as: 'someone' }), async (file) => {
    const headers = (await requestOptions(loadKubeConfig({ kubeconfig: file, env: {} }))).headers as Record<string, string>;
    assert.deepEqual([headers['Impersonate-User'], headers['Authorization']], ['someone', 'Bearer t']);
  });
  await withKubeconfig(config({ server: 'https://c:6443' }, { token: 't', as: 'someone', 'as-groups': ['g'] }), (file) => {
    assert.throws(() => loadKubeConfig({ kubeconfig: file, env: {} }), /kubeconfig user u: as-groups \(impersonation\) is not supported/);
  });
});

test('a token file stays fresh when client-node makes the requests', async () => {
  let now = 9_000_000;
  mock.method(Date, 'now', () => now);
  try {
    await withKubeconfig(config({ server: 'https://c:6443', 'proxy-url': 'http://p:3128' }, { tokenFile: 'token' }), async (file, dir) => {
      await writeFile(join(dir, 'token'), 'one\n');
      const access = loadKubeConfig({ kubeconfig: file, env: {} });
      const authorization = async () => ((await requestOptions(access)).headers as Record<string, string>)['Authorization'];
      assert.equal(await authorization(), 'Bearer one');
      await writeFile(join(dir, 'token'), 'two\n');
      now += TOKEN_FILE_REFRESH_MS;
      assert.equal(await authorization(), 'Bearer two');
    });
  } finally {
    mock.restoreAll();
  }
});
