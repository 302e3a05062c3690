/**
 * Reading and patching objects of the kinds the operator knows, by apiVersion and kind.
 *
 * Replaces client-node's KubernetesObjectApi: paths come from the static resource table, so
 * no discovery request is sent, and objects travel as raw JSON, so no typed serializer drops
 * fields its models do not know.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { PatchStrategy, type ObjectPatcher, type RawRequester } from './transport.js';
import { apiVersionOf, objectPath, resources, type ResourceType } from './resources.js';

const resourceByType = new Map<string, ResourceType>(
  Object.values(resources).map((resource) => [typeKey(apiVersionOf(resource), resource.kind), resource]),
);

function typeKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function resourceOf(object: KubernetesObject): ResourceType {
  const apiVersion = object.apiVersion ?? 'v1';
  const resource = resourceByType.get(typeKey(apiVersion, object.kind ?? ''));
  if (!resource) throw new Error(`unknown resource type ${apiVersion} ${object.kind ?? '(no kind)'}: add it to src/kube/resources.ts`);
  return resource;
}

export class ObjectApi implements ObjectPatcher {
  /** `defaultNamespace`: for namespaced objects that name none, as kubectl uses the context's namespace. */
  constructor(
    private readonly requester: RawRequester,
    private readonly defaultNamespace = 'default',
  ) {}

  /** Same parameters as KubernetesObjectApi.patch, whose default strategy is a strategic merge patch. */
  async patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
  ): Promise<T> {
    return this.requester.request<T>({
      method: 'PATCH',
      path: this.pathOf(spec),
      query: { pretty, dryRun, fieldManager, force },
      contentType: patchStrategy,
      body: spec,
    });
  }

  private pathOf(spec: KubernetesObject): string {
    const resource = resourceOf(spec);
    const name = spec.metadata?.name;
    if (!name) throw new Error(`${resource.kind} without metadata.name`);
    const namespace = resource.namespaced ? (spec.metadata?.namespace ?? this.defaultNamespace) : undefined;
    return objectPath(resource, namespace, name);
  }
}
