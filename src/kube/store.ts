/**
 * The informer's in-memory cache: objects by `namespace/name`, a namespace index, and
 * optional secondary indexes (controller owner UID, a label, …).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** Maps an object to the index values it should be found under. */
export type IndexFunction<T extends KubernetesObject> = (object: T) => readonly string[];

/** Cache key: `namespace/name`, or `name` for cluster-scoped objects (the work-queue key format too). */
export function objectKey(object: KubernetesObject): string {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** Index by the UID of the controller owner reference, to find the children of an owner. */
export const byControllerUid: IndexFunction<KubernetesObject> = (object) => {
  const controller = object.metadata?.ownerReferences?.find((owner) => owner.controller);
  return controller ? [controller.uid] : [];
};

/** Index by the value of one label. */
export function byLabel(label: string): IndexFunction<KubernetesObject> {
  return (object) => {
    const value = object.metadata?.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

export class ObjectStore<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();
  private readonly namespaces = new Map<string, Set<string>>();
  private readonly indexes = new Map<string, { indexFunction: IndexFunction<T>; entries: Map<string, Set<string>> }>();

  constructor(indexers: Record<string, IndexFunction<T>> = {}) {
    for (const [name, indexFunction] of Object.entries(indexers)) {
      this.indexes.set(name, { indexFunction, entries: new Map() });
    }
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** All objects, or those of one namespace ('' for cluster-scoped objects). */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return this.objectsFor(this.namespaces.get(namespace));
  }

  keys(namespace?: string): string[] {
    if (namespace === undefined) return [...this.objects.keys()];
    return [...(this.namespaces.get(namespace) ?? [])];
  }

  /** Objects whose index function returned `value` for the named index. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`no index named ${indexName}`);
    return this.objectsFor(index.entries.get(value));
  }

  get size(): number {
    return this.objects.size;
  }

  /** Inserts or replaces; returns the previous object under the same key. */
  upsert(object: T): T | undefined {
    const key = objectKey(object);
    const previous = this.objects.get(key);
    if (previous) this.unindex(key, previous);
    this.objects.set(key, object);
    this.index(key, object);
    return previous;
  }

  remove(key: string): T | undefined {
    const previous = this.objects.get(key);
    if (!previous) return undefined;
    this.objects.delete(key);
    this.unindex(key, previous);
    return previous;
  }

  private objectsFor(keys: Set<string> | undefined): T[] {
    const found: T[] = [];
    for (const key of keys ?? []) {
      const object = this.objects.get(key);
      if (object) found.push(object);
    }
    return found;
  }

  private index(key: string, object: T): void {
    addToSet(this.namespaces, object.metadata?.namespace ?? '', key);
    for (const { indexFunction, entries } of this.indexes.values()) {
      for (const value of indexFunction(object)) addToSet(entries, value, key);
    }
  }

  private unindex(key: string, object: T): void {
    removeFromSet(this.namespaces, object.metadata?.namespace ?? '', key);
    for (const { indexFunction, entries } of this.indexes.values()) {
      for (const value of indexFunction(object)) removeFromSet(entries, value, key);
    }
  }
}

function addToSet(map: Map<string, Set<string>>, value: string, key: string): void {
  const keys = map.get(value);
  if (keys) keys.add(key);
  else map.set(value, new Set([key]));
}

function removeFromSet(map: Map<string, Set<string>>, value: string, key: string): void {
  const keys = map.get(value);
  keys?.delete(key);
  if (keys?.size === 0) map.delete(value);
}
