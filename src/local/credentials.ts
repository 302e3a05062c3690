import { generateKeyPairSync, randomBytes } from 'node:crypto';

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
