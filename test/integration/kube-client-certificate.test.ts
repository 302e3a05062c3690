// Client-certificate authentication through the operator's own kubeconfig loader, against
// the real API server, which trusts the control plane's client CA (--client-ca-file).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.js';
import { CERTIFICATE_FILE_REFRESH_MS, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { CLIENT_CA_FILES, issueClientCertificate } from '../../src/local/credentials.js';
import { adminKubeConfig } from '../support/cluster.js';
import { controlPlaneEnv } from '../support/control-plane-env.js';

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

const clientCa = () => {
  const { dir } = controlPlaneEnv();
  return { certPath: join(dir, CLIENT_CA_FILES.cert), keyPath: join(dir, CLIENT_CA_FILES.key) };
};

async function whoAmI(client: KubeClient): Promise<{ username?: string; groups?: string[] }> {
  const review = await client.request<SelfSubjectReview>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo ?? {};
}

test('a client certificate authenticates, and a certificate rotated on disk is used after the refresh interval', async () => {
  const cluster = adminKubeConfig().getCurrentCluster();
  assert.ok(cluster?.caData, 'the admin kubeconfig embeds the apiserver CA');
  const dir = await mkdtemp(join(tmpdir(), 'client-cert-kubeconfig-'));
  const writeCertificate = async (user: string) => {
    const { certPem, keyPem } = issueClientCertificate(clientCa(), user, ['atomix-test']);
    await writeFile(join(dir, 'tls.crt'), certPem);
    await writeFile(join(dir, 'tls.key'), keyPem);
  };
  const realNow = Date.now.bind(Date);
  let offset = 0;
  mock.method(Date, 'now', () => realNow() + offset);
  let client: KubeClient | undefined;
  try {
    await writeCertificate('cert-user-1');
    const kubeconfig = join(dir, 'config');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
        users: [{ name: 'cert', user: { 'client-certificate': 'tls.crt', 'client-key': 'tls.key' } }],
        contexts: [{ name: 'cert', context: { cluster: 'local', user: 'cert' } }],
        'current-context': 'cert',
      }),
    );
    client = new KubeClient(loadKubeConfig({ kubeconfig, env: {} }));
    const first = await whoAmI(client);
    assert.equal(first.username, 'cert-user-1');
    assert.ok(first.groups?.includes('atomix-test'), `groups from the certificate's O: ${JSON.stringify(first.groups)}`);

    await writeCertificate('cert-user-2');
    assert.equal((await whoAmI(client)).username, 'cert-user-1', 'read again only after the refresh interval');
    offset += CERTIFICATE_FILE_REFRESH_MS;
    assert.equal((await whoAmI(client)).username, 'cert-user-2');
  } finally {
    mock.restoreAll();
    client?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
