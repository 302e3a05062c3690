/**
 * A supervised list+watch informer.
 *
 * Per namespace scope, a reflector lists (paged), then watches from the list's
 * resourceVersion with bookmarks. The server ends each watch after `watchTimeoutSeconds`;
 * a client-side deadline a little later catches a watch that went silent without closing,
 * and the next watch resumes from the last seen resourceVersion. Any failure (or 410 Gone)
 * leads to a relist after a jittered exponential backoff, and the relist is diffed against
 * the cache, so adds, updates and deletes that happened during the gap are all delivered.
 *
 * Unlike client-node's ListWatch it never stops on its own, requests bookmarks, has a
 * client-side deadline, supports several namespaces and secondary indexes, and drops
 * `metadata.managedFields` before caching (often half of an object's size).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { sleep, systemClock, type Clock } from './clock.js';
import { errorFromStatus, isGone } from './errors.js';
import { apiVersionOf, collectionPath, type ResourceType } from './resources.js';
import { ObjectStore, objectKey, type IndexFunction } from './store.js';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** The object; a Status for ERROR events. */
  object: KubernetesObject;
}

export interface ObjectList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubernetesObject[];
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** The HTTP side of an informer; `KubeClient` implements it. */
export interface ListWatchTransport {
  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ObjectList>;
  /** Delivers events until the server ends the response or `signal` aborts (both resolve); rejects on failure. */
  watch(path: string, query: QueryParams, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

export interface InformerHandler<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, current: T): void;
  onDelete?(object: T): void;
}

/** Why a watch ended: client deadline, clean server close, 410 Gone, or another failure. */
export type WatchEnd = 'deadline' | 'closed' | 'expired' | 'error';

export interface InformerMetrics {
  relisted(): void;
  watchEnded(reason: WatchEnd): void;
}

export interface InformerStats {
  relists: number;
  watches: number;
  watchDeadlines: number;
  failures: number;
}

export interface InformerOptions<T extends KubernetesObject> {
  transport: ListWatchTransport;
  resource: ResourceType;
  /** Namespaces to watch, one list+watch each; undefined or empty = all namespaces. */
  namespaces?: readonly string[];
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunction<T>>;
  /** Applied to every object before caching (after managedFields are dropped), e.g. to drop more fields. */
  transform?: (object: T) => T;
  /** Server-side watch timeout; bounds how long a silent watch can go unnoticed. */
  watchTimeoutSeconds?: number;
  /** Client-side deadline = server timeout + this margin. */
  watchDeadlineMarginMs?: number;
  pageSize?: number;
  /** A list page not answered within this time is abandoned and retried after backoff. */
  listPageTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: Clock;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /** Failures of list, watch or handlers; the informer keeps going. */
  onError?: (error: unknown) => void;
  metrics?: InformerMetrics;
}

/** The read side of the cache. */
export type ReadonlyStore<T extends KubernetesObject> = Pick<
  ObjectStore<T>,
  'get' | 'getByKey' | 'list' | 'keys' | 'byIndex' | 'size'
>;

const DEFAULTS = {
  watchTimeoutSeconds: 7,
  watchDeadlineMarginMs: 2000,
  pageSize: 500,
  listPageTimeoutMs: 10_000,
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
};
const JITTER = 0.2;

/** Abort reason when a list page or watch outlived its deadline. */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

export class Informer<T extends KubernetesObject = KubernetesObject> {
  readonly store: ReadonlyStore<T>;
  private readonly cache: ObjectStore<T>;
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly reflectors: Reflector<T>[];
  private readonly stopController = new AbortController();
  private readonly counters: InformerStats = { relists: 0, watches: 0, watchDeadlines: 0, failures: 0 };
  private running: Promise<void> | undefined;
  private readonly syncWaiters: Array<(synced: boolean) => void> = [];

  constructor(private readonly options: InformerOptions<T>) {
    this.cache = new ObjectStore<T>(options.indexers);
    this.store = this.cache;
    const scopes = options.namespaces?.length ? [...new Set(options.namespaces)] : [undefined];
    this.reflectors = scopes.map((namespace) => new Reflector(this.reflectorContext(), namespace));
  }

  /** Starts listing and watching; idempotent. */
  start(): void {
    this.running ??= Promise.all(this.reflectors.map((reflector) => reflector.run())).then(() => undefined);
  }

  /** Stops all watches and resolves once every loop has exited. */
  async stop(): Promise<void> {
    this.stopController.abort();
    for (const resolve of this.syncWaiters.splice(0)) resolve(false);
    await this.running;
  }

  hasSynced(): boolean {
    return this.reflectors.every((reflector) => reflector.synced);
  }

  /** Resolves true once every namespace has been listed, false if stopped (or `signal` aborted) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.hasSynced()) return Promise.resolve(true);
    if (this.stopController.signal.aborted || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push((synced) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      });
    });
  }

  /** Registers handlers; objects already cached are replayed to `onAdd`. Returns an unsubscribe function. */
  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    for (const object of this.cache.list()) this.notify(handler, (h) => h.onAdd?.(object));
    return () => this.handlers.delete(handler);
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  private reflectorContext(): ReflectorContext<T> {
    return {
      options: this.options,
      cache: this.cache,
      stopSignal: this.stopController.signal,
      counters: this.counters,
      emit: (notify) => {
        for (const handler of this.handlers) this.notify(handler, notify);
      },
      onSynced: () => {
        if (this.hasSynced()) for (const resolve of this.syncWaiters.splice(0)) resolve(true);
      },
    };
  }

  private notify(handler: InformerHandler<T>, call: (handler: InformerHandler<T>) => void): void {
    try {
      call(handler);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}

interface ReflectorContext<T extends KubernetesObject> {
  options: InformerOptions<T>;
  cache: ObjectStore<T>;
  stopSignal: AbortSignal;
  counters: InformerStats;
  emit(call: (handler: InformerHandler<T>) => void): void;
  onSynced(): void;
}

/** List+watch of one namespace (or of all namespaces), feeding the shared cache. */
class Reflector<T extends KubernetesObject> {
  synced = false;
  private resourceVersion = '';
  private readonly path: string;
  private readonly clock: Clock;
  private readonly settings: typeof DEFAULTS;

  constructor(
    private readonly context: ReflectorContext<T>,
    private readonly namespace: string | undefined,
  ) {
    const { options } = context;
    this.path = collectionPath(options.resource, namespace);
    this.clock = options.clock ?? systemClock;
    this.settings = {
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
      watchDeadlineMarginMs: options.watchDeadlineMarginMs ?? DEFAULTS.watchDeadlineMarginMs,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
      listPageTimeoutMs: options.listPageTimeoutMs ?? DEFAULTS.listPageTimeoutMs,
      initialBackoffMs: options.initialBackoffMs ?? DEFAULTS.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
    };
  }

  async run(): Promise<void> {
    const { stopSignal } = this.context;
    let needsList = true;
    let consecutiveFailures = 0;
    while (!stopSignal.aborted) {
      const pass = await this.listAndWatch(needsList);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal may have aborted while awaiting
      if (stopSignal.aborted) break;
      if (pass.error !== undefined) {
        this.context.counters.failures++;
        this.context.options.onError?.(pass.error);
      }
      needsList = pass.needsList;
      const failed = pass.error !== undefined;
      // A watch that worked for a while starts a new failure series.
      consecutiveFailures = (pass.healthy ? 0 : consecutiveFailures) + (failed ? 1 : 0);
      if (failed) await sleep(this.clock, this.backoffDelay(consecutiveFailures), stopSignal);
    }
  }

  /** One pass: relist if needed, then one watch. Never throws; failures are returned. */
  private async listAndWatch(needsList: boolean): Promise<{ needsList: boolean; healthy: boolean; error?: unknown }> {
    try {
      if (needsList) await this.relist();
    } catch (error) {
      return { needsList: true, healthy: false, error };
    }
    const watch = await this.watchOnce();
    switch (watch.end) {
      case 'deadline':
        return { needsList: false, healthy: true };
      case 'closed':
        if (watch.healthy) return { needsList: false, healthy: true };
        return { needsList: true, healthy: false, error: new Error(`watch of ${this.path} closed early without events`) };
      case 'expired':
        // On a resumed watch, 410 just means its resourceVersion aged out: relist at once.
        // Right after a fresh list it means something is wrong, so it backs off like a failure.
        if (watch.healthy || !needsList) return { needsList: true, healthy: watch.healthy };
        return { needsList: true, healthy: false, error: watch.error };
      case 'error':
        return { needsList: true, healthy: watch.healthy, error: watch.error };
    }
  }

  private backoffDelay(consecutiveFailures: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.settings;
    const base = initialBackoffMs * 2 ** Math.min(consecutiveFailures - 1, 30);
    const jitter = 1 + JITTER * (this.context.options.random ?? Math.random)();
    return Math.min(maxBackoffMs, base * jitter);
  }

  /** Lists every page, then reconciles the cache with the result, emitting the differences. */
  private async relist(): Promise<void> {
    const { options, counters } = this.context;
    const listed = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const query = {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: this.settings.pageSize,
        continue: continueToken,
      };
      const page = await this.withDeadline(this.settings.listPageTimeoutMs, (signal) => options.transport.list(this.path, query, signal));
      for (const item of page.items ?? []) {
        const object = this.prepare(item);
        listed.set(objectKey(object), object);
      }
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    counters.relists++;
    options.metrics?.relisted();
    this.replace(listed);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      this.context.onSynced();
    }
  }

  /**
   * Runs `call` with a signal that aborts when the informer stops, when `call` gives up through
   * the `abort` it is handed, or after `timeoutMs` (with a DeadlineExceeded reason).
   */
  private async withDeadline<R>(timeoutMs: number, call: (signal: AbortSignal, abort: () => void) => Promise<R>): Promise<R> {
    const { stopSignal } = this.context;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    stopSignal.addEventListener('abort', abort, { once: true });
    if (stopSignal.aborted) abort();
    const timer = this.clock.setTimeout(
      () => controller.abort(new DeadlineExceeded(`no answer from ${this.path} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      return await call(controller.signal, abort);
    } finally {
      this.clock.clearTimeout(timer);
      stopSignal.removeEventListener('abort', abort);
    }
  }

  private replace(listed: Map<string, T>): void {
    const existingKeys = this.namespace === undefined ? this.context.cache.keys() : this.context.cache.keys(this.namespace);
    for (const key of existingKeys) {
      if (!listed.has(key)) this.delete(key);
    }
    for (const object of listed.values()) this.upsert(object);
  }

  private async watchOnce(): Promise<{ end: WatchEnd; healthy: boolean; error?: unknown }> {
    const { options, counters } = this.context;
    const { watchTimeoutSeconds, watchDeadlineMarginMs } = this.settings;
    const query: QueryParams = {
      watch: true,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: watchTimeoutSeconds,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    };
    let watchSignal: AbortSignal | undefined;
    let failure: unknown;
    let objectEvents = 0;
    const startedAt = this.clock.now();
    counters.watches++;
    try {
      await this.withDeadline(watchTimeoutSeconds * 1000 + watchDeadlineMarginMs, (signal, abort) => {
        watchSignal = signal;
        const onEvent = (event: WatchEvent): void => {
          if (signal.aborted) return;
          try {
            if (event.type === 'ERROR') throw errorFromStatus(500, event.object);
            objectEvents++;
            this.applyEvent(event);
          } catch (error) {
            failure = error;
            abort();
          }
        };
        return options.transport.watch(this.path, query, onEvent, signal);
      });
    } catch (error) {
      if (!watchSignal?.aborted) failure = error;
    }
    const end = this.classify(watchSignal?.reason instanceof DeadlineExceeded, failure);
    if (end === 'deadline') counters.watchDeadlines++;
    options.metrics?.watchEnded(end);
    const lastedLongEnough = this.clock.now() - startedAt >= (watchTimeoutSeconds * 1000) / 2;
    return { end, healthy: objectEvents > 0 || lastedLongEnough, error: failure };
  }

  private classify(deadlineExceeded: boolean, failure: unknown): WatchEnd {
    if (failure !== undefined) return isGone(failure) ? 'expired' : 'error';
    return deadlineExceeded ? 'deadline' : 'closed';
  }

  private applyEvent(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') {
      this.resourceVersion = event.object.metadata?.resourceVersion ?? this.resourceVersion;
      return;
    }
    const object = this.prepare(event.object);
    if (event.type === 'DELETED') this.delete(objectKey(object), object);
    else this.upsert(object);
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
  }

  private upsert(object: T): void {
    const previous = this.context.cache.upsert(object);
    if (!previous) this.context.emit((handler) => handler.onAdd?.(object));
    else if (previous.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
      this.context.emit((handler) => handler.onUpdate?.(previous, object));
    }
  }

  /** Removes `key`; the handler gets the final state if the event carried one, else the last cached state. */
  private delete(key: string, finalState?: T): void {
    const previous = this.context.cache.remove(key);
    if (previous) this.context.emit((handler) => handler.onDelete?.(finalState ?? previous));
  }

  private prepare(raw: KubernetesObject): T {
    const { options } = this.context;
    const { managedFields: _dropped, ...metadata } = raw.metadata ?? {};
    const object = {
      ...raw,
      apiVersion: raw.apiVersion ?? apiVersionOf(options.resource),
      kind: raw.kind ?? options.resource.kind,
      metadata,
    } as T;
    return options.transform ? options.transform(object) : object;
  }
}
