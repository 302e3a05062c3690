import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A user of the apiserver's static token file (--token-auth-file). */
export interface TokenUser {
  token: string;
  name: string;
  groups: string[];
}

export function tokenUser(name: string, groups: string[]): TokenUser {
  return { token: randomBytes(24).toString('hex'), name, groups };
}

/** The CSV format of --token-auth-file: token,user,uid,"group1,group2". */
export function tokenAuthFile(users: TokenUser[]): string {
  return users.map((user) => `${user.token},${user.name},${user.name},"${user.groups.join(',')}"\n`).join('');
}

/** A key pair that signs and verifies ServiceAccount tokens, as PEM (PKCS#8 / SPKI). */
export function serviceAccountSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Records every write request once (when its response is complete) with user,
 * verb and object reference, and nothing else, so tests can count writes cheaply.
 */
export const writeRequestsAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

/** A certificate authority the apiserver trusts for client certificates (--client-ca-file). */
export interface ClientCertificateAuthority {
  certPath: string;
  keyPath: string;
}

/** File names of the client CA in the control plane's directory. */
export const CLIENT_CA_FILES = { cert: 'client-ca.crt', key: 'client-ca.key' } as const;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Node's crypto cannot sign certificates; openssl, present wherever Go and the control plane build, can. */
export function clientCertificateAuthority(dir: string): ClientCertificateAuthority {
  return certificateAuthority({ certPath: join(dir, CLIENT_CA_FILES.cert), keyPath: join(dir, CLIENT_CA_FILES.key) }, 'atomix-local-client-ca');
}

function certificateAuthority(ca: ClientCertificateAuthority, commonName: string): ClientCertificateAuthority {
  const extensions = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'];
  execFileSync('openssl', ['req', '-x509', ...EC_KEY, '-keyout', ca.keyPath, '-out', ca.certPath, '-subj', `/CN=${commonName}`, '-days', '3650', ...extensions], { stdio: 'pipe' });
  return ca;
}

/** A client certificate for `user` in `groups` (the apiserver reads CN as the user, O as the groups). */
export function issueClientCertificate(ca: ClientCertificateAuthority, user: string, groups: string[]): { certPem: string; keyPem: string } {
  return issueCertificate(ca, `/CN=${user}${groups.map((group) => `/O=${group}`).join('')}`, 'extendedKeyUsage=clientAuth', 1);
}

function issueCertificate(ca: ClientCertificateAuthority, subject: string, extensions: string, days: number): { certPem: string; keyPem: string } {
  const work = mkdtempSync(join(tmpdir(), 'client-cert-'));
  try {
    const file = (name: string) => join(work, name);
    execFileSync('openssl', ['req', '-new', ...EC_KEY, '-keyout', file('tls.key'), '-out', file('tls.csr'), '-subj', subject], { stdio: 'pipe' });
    writeFileSync(file('ext.cnf'), `${extensions}\nkeyUsage=critical,digitalSignature\n`);
    const serial = `0x${randomBytes(16).toString('hex')}`;
    const sign = ['x509', '-req', '-in', file('tls.csr'), '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', serial, '-days', String(days)];
    execFileSync('openssl', [...sign, '-extfile', file('ext.cnf'), '-out', file('tls.crt')], { stdio: 'pipe' });
    return { certPem: readFileSync(file('tls.crt'), 'utf8'), keyPem: readFileSync(file('tls.key'), 'utf8') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The kubelet side of the API server's `kubectl logs`: a CA, the kubelets' serving pair and the API server's client pair. */
export interface KubeletPki {
  caPem: string;
  caPath: string;
  /** Serving certificate of every local kubelet port (127.0.0.1). */
  servingCertPem: string;
  servingKeyPem: string;
  /** For --kubelet-client-certificate / --kubelet-client-key (user kube-apiserver-kubelet-client). */
  clientCertPath: string;
  clientKeyPath: string;
}

/** The kubelet CA and its two certificates, in `dir`; they live as long as the control plane's directory. */
export function kubeletPki(dir: string): KubeletPki {
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const ca = certificateAuthority({ certPath: path('kubelet-ca.crt'), keyPath: path('kubelet-ca.key') }, 'atomix-local-kubelet-ca');
  const serving = issueCertificate(ca, '/CN=local-kubelet', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth', 3650);
  const client = issueClientCertificate(ca, 'kube-apiserver-kubelet-client', ['system:masters']);
  writeFileSync(path('apiserver-kubelet-client.crt'), client.certPem);
  writeFileSync(path('apiserver-kubelet-client.key'), client.keyPem, { mode: 0o600 });
  return {
    caPem: readFileSync(ca.certPath, 'utf8'),
    caPath: ca.certPath,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    clientCertPath: path('apiserver-kubelet-client.crt'),
    clientKeyPath: path('apiserver-kubelet-client.key'),
  };
}
