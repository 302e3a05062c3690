// The check that the real API server refuses a manifest as `render` (validateCluster) does.
import assert from 'node:assert/strict';
import { validateCluster } from '../../src/api/validate.js';
import type { KubeClient } from '../../src/kube/client.js';
import { createCluster } from './operator.js';
import type { RejectedValue } from './value-cases.js';

/** Both refuse `manifest`, naming `field`; for CEL rules the API server also repeats render's message. */
export async function assertRejectedAsRenderDoes(
  admin: KubeClient,
  namespace: string,
  manifest: object,
  { field, schemaError }: Pick<RejectedValue, 'field' | 'schemaError'>,
): Promise<void> {
  const local = validateCluster(manifest);
  assert.ok(!local.ok, 'render accepted it');
  const expected = local.errors.find((e) => e.field === field);
  assert.ok(expected, `render names ${field}: ${JSON.stringify(local.errors)}`);
  const error = await createCluster(admin, namespace, manifest).then(
    () => assert.fail('the API server accepted it'),
    (e: unknown) => e as { statusCode?: number; message: string },
  );
  assert.equal(error.statusCode, 422);
  assert.ok(error.message.includes(`${field}: `), `API server message "${error.message}" names ${field}`);
  if (!schemaError) assert.ok(error.message.includes(expected.message), `API server message "${error.message}" includes "${expected.message}"`);
}
