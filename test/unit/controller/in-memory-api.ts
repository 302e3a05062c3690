/**
 * An in-memory API server for the operator's unit tests: one list/watch collection per resource
 * (fake-list-watch.ts), server-side applies with the preconditions the operator sends (a create
 * that fails on an existing object, an apply bound to a uid), status applies, deletes, and a log
 * of every request. What the real API server does is covered by the integration tests.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { OperatorClient } from '../../../src/controller/operator.js';
import { NO_SUCH_RESOURCE_VERSION } from '../../../src/kube/apply.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { ObjectList, QueryParams, WatchEvent } from '../../../src/kube/informer.js';
import { ObjectApi } from '../../../src/kube/object-api.js';
import type { RawRequest } from '../../../src/kube/transport.js';
import { FakeListWatch } from '../kube/fake-list-watch.js';

interface Target {
  /** `group/plural`, '' for the core group. */
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

function targetOf(path: string): Target {
  const parts = path.split('/').filter(Boolean);
  const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  return { collection: `${group}/${rest[0] ?? ''}`, namespace, name: rest[1], subresource: rest[2] };
}

type Stored = KubernetesObject & Record<string, unknown>;

const notFound = (collection: string, name: string) => new KubeApiError(404, `${collection} "${name}" not found`, 'NotFound');

export class InMemoryApi implements OperatorClient {
  readonly requests: RawRequest[] = [];
  readonly objects = new ObjectApi(this);
  /** Namespaces answered as being deleted. */
  readonly terminating = new Set<string>();
  /** Answers the next requests matching `method path` with this error, once each. */
  readonly refusals = new Map<string, Error>();
  private readonly collections = new Map<string, FakeListWatch>();
  /** `collection namespace/name` → the object as last stored. */
  private readonly stored = new Map<string, Stored>();
  private uids = 0;

  /** The list/watch side of a collection, e.g. `apps/statefulsets` or `/pods`. */
  collection(name: string): FakeListWatch {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new FakeListWatch();
      this.collections.set(name, collection);
    }
    return collection;
  }

  /** Stores an object as someone else would create it (a uid, no operator write). */
  put(collection: string, object: Stored): Stored {
    const { namespace = '', name = '' } = object.metadata ?? {};
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- plain JSON that client-node types as a class
    const stored = this.collection(collection).put(namespace, name, { ...object, metadata: { uid: `uid-${String(++this.uids)}`, ...object.metadata } }) as Stored;
    this.stored.set(`${collection} ${namespace}/${name}`, stored);
    return stored;
  }

  /** The stored object, if any. */
  get(collection: string, namespace: string, name: string): Stored | undefined {
    return this.stored.get(`${collection} ${namespace}/${name}`);
  }

  remove(collection: string, namespace: string, name: string): void {
    this.collection(collection).remove(namespace, name);
    this.stored.delete(`${collection} ${namespace}/${name}`);
  }

  /** The requests in short: `METHOD path`. */
  sent(method?: RawRequest['method']): string[] {
    return this.requests.filter((request) => !method || request.method === method).map((request) => `${request.method} ${request.path}`);
  }

  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ObjectList> {
    return this.collection(targetOf(path).collection).list(path, query, signal);
  }

  watch(path: string, query: QueryParams, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    return this.collection(targetOf(path).collection).watch(path, query, onEvent, signal);
  }

  async request<T>(request: RawRequest): Promise<T> {
    this.requests.push(request);
    const refusal = this.refusals.get(`${request.method} ${request.path}`);
    if (refusal) {
      this.refusals.delete(`${request.method} ${request.path}`);
      throw refusal;
    }
    return this.answer(request, targetOf(request.path)) as T;
  }

  private answer(request: RawRequest, target: Target): unknown {
    const { collection, namespace = '', name = '' } = target;
    if (collection === '/namespaces') {
      return { metadata: { name, ...(this.terminating.has(name) ? { deletionTimestamp: '2026-12-01T10:00:00Z' } : {}) } };
    }
    if (request.method === 'POST') return request.body;
    const existing = this.get(collection, namespace, name);
    switch (request.method) {
      case 'GET':
        if (!existing) throw notFound(collection, name);
        return structuredClone(existing);
      case 'DELETE':
        if (!existing) throw notFound(collection, name);
        this.remove(collection, namespace, name);
        return {};
      case 'PATCH':
        return this.patch(request, target, existing);
      default:
        throw new KubeApiError(405, `${request.method} is not served here`);
    }
  }

  private patch(request: RawRequest, target: Target, existing: Stored | undefined): Stored {
    const { collection, name = '' } = target;
    const body = request.body as Stored;
    if (target.subresource === 'status') {
      if (!existing) throw notFound(collection, name);
      return this.put(collection, { ...existing, status: body['status'] });
    }
    if (request.contentType !== 'application/apply-patch+yaml') {
      if (!existing) throw notFound(collection, name);
      return existing;
    }
    const { resourceVersion, uid, ...metadata } = body.metadata ?? {};
    if (resourceVersion === NO_SUCH_RESOURCE_VERSION && existing) throw new KubeApiError(409, `${collection} "${name}" already exists`, 'Conflict');
    if (uid !== undefined && existing?.metadata?.uid !== uid) throw new KubeApiError(409, `the uid precondition of ${name} failed`, 'Conflict');
    return this.put(collection, { ...body, status: existing?.['status'], metadata: { ...metadata, uid: existing?.metadata?.uid ?? `uid-${String(++this.uids)}` } });
  }
}
