/**
 * An in-memory list/watch transport with just enough API-server behaviour to test the
 * informer: resourceVersions, an event log replayed from a watch's resourceVersion,
 * compaction (410), paging, namespace scoping, and ways to break or silence watches.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ListWatchTransport, ObjectList, QueryParams, WatchEvent } from '../../../src/kube/informer.js';

interface OpenWatch {
  namespace: string | undefined;
  onEvent: (event: WatchEvent) => void;
  end: (error?: Error) => void;
}

export interface Call {
  path: string;
  query: QueryParams;
}

export class FakeListWatch implements ListWatchTransport {
  readonly listCalls: Call[] = [];
  readonly watchCalls: Call[] = [];
  /** Thrown by the next list calls, one per call. */
  readonly listFailures: unknown[] = [];
  /** While true, open watches receive nothing (a hung connection). */
  silent = false;
  /** While true, lists never answer (until their signal aborts). */
  hangLists = false;
  private resourceVersion = 100;
  private compactedThrough = 0;
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly log: Array<{ resourceVersion: number; event: WatchEvent }> = [];
  private readonly open = new Set<OpenWatch>();

  get openWatches(): number {
    return this.open.size;
  }

  put(namespace: string, name: string, extra: Partial<KubernetesObject> & Record<string, unknown> = {}): KubernetesObject {
    const key = `${namespace}/${name}`;
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const object: KubernetesObject = {
      ...extra,
      metadata: {
        // eslint-disable-next-line @typescript-eslint/no-misused-spread -- plain JSON that client-node types as a class
        ...extra.metadata,
        name,
        namespace,
        resourceVersion: String(++this.resourceVersion),
        managedFields: [{ manager: 'test', operation: 'Apply' }],
      },
    };
    this.objects.set(key, object);
    this.record({ type, object });
    return object;
  }

  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const existing = this.objects.get(key);
    if (!existing) throw new Error(`no ${key}`);
    this.objects.delete(key);
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- plain JSON that client-node types as a class
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.resourceVersion) } };
    this.record({ type: 'DELETED', object });
  }

  /** Sends a bookmark at the current resourceVersion to open watches. */
  bookmark(): void {
    this.deliver(undefined, { type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.resourceVersion) } } });
  }

  /** Forgets the event log: watches from older resourceVersions get 410 Gone. */
  compact(): void {
    this.compactedThrough = this.resourceVersion;
    this.log.length = 0;
  }

  /** Ends every open watch cleanly (as the server does at timeoutSeconds). */
  closeWatches(): void {
    for (const watch of [...this.open]) watch.end();
  }

  /** Fails every open watch (connection reset). */
  breakWatches(error: Error = new Error('ECONNRESET')): void {
    for (const watch of [...this.open]) watch.end(error);
  }

  async list(path: string, query: QueryParams, signal: AbortSignal): Promise<ObjectList> {
    this.listCalls.push({ path, query });
    if (signal.aborted) throw new Error('aborted');
    if (this.hangLists) {
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))), { once: true }));
    }
    if (this.listFailures.length > 0) throw this.listFailures.shift();
    const namespace = namespaceOf(path);
    const matching = [...this.objects.values()].filter((object) => inScope(object, namespace));
    const offset = Number(query.continue ?? 0);
    const limit = Number(query.limit ?? matching.length);
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? String(offset + limit) : undefined;
    // Lists omit apiVersion/kind on items, like the real API.
    const items = page.map(({ apiVersion: _a, kind: _k, ...item }) => structuredClone(item));
    return { metadata: { resourceVersion: String(this.resourceVersion), continue: next }, items };
  }

  watch(path: string, query: QueryParams, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    this.watchCalls.push({ path, query });
    const namespace = namespaceOf(path);
    const from = Number(query.resourceVersion);
    return new Promise<void>((resolve, reject) => {
      if (from < this.compactedThrough) {
        onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } as KubernetesObject });
        resolve();
        return;
      }
      const watch: OpenWatch = {
        namespace,
        onEvent,
        end: (error) => {
          this.open.delete(watch);
          signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      const onAbort = (): void => watch.end();
      signal.addEventListener('abort', onAbort, { once: true });
      this.open.add(watch);
      for (const entry of this.log) {
        if (entry.resourceVersion > from && inScope(entry.event.object, namespace)) onEvent(structuredClone(entry.event));
      }
    });
  }

  private record(event: WatchEvent): void {
    this.log.push({ resourceVersion: this.resourceVersion, event });
    this.deliver(event.object.metadata?.namespace, event);
  }

  private deliver(namespace: string | undefined, event: WatchEvent): void {
    if (this.silent) return;
    for (const watch of [...this.open]) {
      if (namespace === undefined || inScope(event.object, watch.namespace)) watch.onEvent(structuredClone(event));
    }
  }
}

function namespaceOf(path: string): string | undefined {
  return /\/namespaces\/([^/]+)\//.exec(path)?.[1];
}

function inScope(object: KubernetesObject, namespace: string | undefined): boolean {
  return namespace === undefined || object.metadata?.namespace === namespace;
}
