// The requests apply needs, as interfaces: KubeClient implements them, tests fake them, and
// nothing here loads @kubernetes/client-node at runtime.
import type { KubernetesObject } from '@kubernetes/client-node';

/** Content types of the PATCH flavours, as client-node names them (defined here so it need not be loaded). */
export const PatchStrategy = {
  JsonPatch: 'application/json-patch+json',
  MergePatch: 'application/merge-patch+json',
  StrategicMergePatch: 'application/strategic-merge-patch+json',
  ServerSideApply: 'application/apply-patch+yaml',
} as const;
export type PatchStrategy = (typeof PatchStrategy)[keyof typeof PatchStrategy];

/** The part of an object API (KubeClient.objects, or client-node's KubernetesObjectApi) that apply needs. */
export interface ObjectPatcher {
  patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy?: PatchStrategy,
  ): Promise<T>;
}

/** A raw JSON request; `KubeClient` implements it. */
export interface RawRequester {
  request<T = unknown>(request: RawRequest): Promise<T>;
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}
