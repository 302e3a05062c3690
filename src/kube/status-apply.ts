// The status subresource, written with server-side apply.
import type { KubernetesObject } from '@kubernetes/client-node';
import { semanticallyEqual } from './diff.js';
import { apiVersionOf, objectPath, type ResourceType } from './resources.js';
import { PatchStrategy, type RawRequester } from './transport.js';

export interface ApplyStatusOptions {
  fieldManager: string;
  /** The cached live object; when its status already equals `status`, no request is sent. */
  live?: KubernetesObject | undefined;
}

/**
 * Writes the status subresource with server-side apply. SSA rather than a merge patch because
 * the operator computes the complete status each time: fields it stops setting are removed by
 * the apply, with no need to send explicit nulls, and no resourceVersion precondition can fail.
 * Skipped when the live status is already semantically equal.
 */
export async function applyStatus(
  client: RawRequester,
  resource: ResourceType,
  target: { namespace?: string | undefined; name: string },
  status: Record<string, unknown>,
  options: ApplyStatusOptions,
): Promise<{ applied: boolean; resourceVersion?: string }> {
  const liveStatus = (options.live as { status?: unknown } | undefined)?.status;
  if (options.live && semanticallyEqual(status, liveStatus ?? {})) return { applied: false };
  const written = await client.request<KubernetesObject>({
    method: 'PATCH',
    path: `${objectPath(resource, target.namespace, target.name)}/status`,
    query: { fieldManager: options.fieldManager, force: true },
    contentType: PatchStrategy.ServerSideApply,
    body: {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: { name: target.name, namespace: target.namespace },
      status,
    },
  });
  const resourceVersion = written.metadata?.resourceVersion;
  return { applied: true, ...(resourceVersion ? { resourceVersion } : {}) };
}
