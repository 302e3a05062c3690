// Kubeconfig entries the loader refuses (each error names what is missing), and the credentials it sets by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';

async function loadFrom(text: string, context?: string): Promise<ReturnType<typeof loadKubeConfig>> {
  const directory = await mkdtemp(join(tmpdir(), 'kubeconfig-entries-'));
  try {
    const file = join(directory, 'config');
    await writeFile(file, text);
    return loadKubeConfig({ kubeconfig: file, env: {}, ...(context ? { context } : {}) });
  } finally {
    await rm(directory, { recursive: true });
  }
}

const named = (cluster: object, user: object | undefined, context: object = { cluster: 'c', user: 'u' }) =>
  stringify({
    clusters: [{ name: 'c', cluster }],
    users: user ? [{ name: 'u', user }] : [],
    contexts: [{ name: 'ctx', context }],
    'current-context': 'ctx',
  });

const refusals: Array<{ name: string; text: string; error: RegExp }> = [
  { name: 'an empty file', text: '', error: /has no current-context/ },
  { name: 'no current-context', text: stringify({ contexts: [] }), error: /has no current-context/ },
  { name: 'a context without a cluster', text: named({ server: 'https://c' }, { token: 't' }, { user: 'u' }), error: /context ctx has no cluster$/ },
  { name: 'a context naming a missing cluster', text: named({ server: 'https://c' }, { token: 't' }, { cluster: 'other', user: 'u' }), error: /has no cluster named other$/ },
  { name: 'a context naming a missing user', text: named({ server: 'https://c' }, undefined), error: /has no user named u$/ },
  { name: 'a cluster without a server', text: named({}, { token: 't' }), error: /cluster c has no server$/ },
  { name: 'as-uid', text: named({ server: 'https://c' }, { token: 't', 'as-uid': '1' }), error: /user u: as-uid \(impersonation\) is not supported/ },
  { name: 'as-user-extra', text: named({ server: 'https://c' }, { token: 't', 'as-user-extra': { a: ['b'] } }), error: /user u: as-user-extra \(impersonation\)/ },
];

for (const { name, text, error } of refusals) {
  test(`kubeconfig refused: ${name}`, async () => {
    await assert.rejects(loadFrom(text), error);
  });
}

async function optionsOf(text: string, headers?: https.RequestOptions['headers']): Promise<https.RequestOptions> {
  const access = await loadFrom(text);
  const options: https.RequestOptions = headers ? { headers } : {};
  await access.authenticate(options);
  return options;
}

test('a context without a user sends no credentials', async () => {
  const options = await optionsOf(named({ server: 'http://c:8080' }, undefined, { cluster: 'c' }));
  assert.deepEqual(options, {}, 'plain HTTP: no agent, no header, no auth');
});

test('basic auth: username and password, or the username alone', async () => {
  assert.equal((await optionsOf(named({ server: 'http://c' }, { username: 'admin', password: 'secret' }))).auth, 'admin:secret');
  assert.equal((await optionsOf(named({ server: 'http://c' }, { username: 'admin' }))).auth, 'admin:');
});

test('the bearer token joins headers given as a raw list', async () => {
  const options = await optionsOf(named({ server: 'http://c' }, { token: 't' }), ['Accept', 'application/json']);
  assert.deepEqual(options.headers, ['Accept', 'application/json', 'Authorization', 'Bearer t']);
});

test('an https server gets a TLS agent that verifies the server unless told otherwise', async () => {
  const verifying = await optionsOf(named({ server: 'https://c' }, { token: 't' }));
  assert.equal((verifying.agent as https.Agent).options.rejectUnauthorized, true);
  const insecure = await optionsOf(named({ server: 'https://c', 'insecure-skip-tls-verify': true }, { token: 't' }));
  assert.equal((insecure.agent as https.Agent).options.rejectUnauthorized, false);
});

test('informational fields (extensions, disable-compression) keep the own loader', async () => {
  const options = await optionsOf(named({ server: 'http://c', extensions: [], 'disable-compression': true }, { token: 't', extensions: [] }));
  assert.deepEqual(options, { headers: { Authorization: 'Bearer t' } });
});
