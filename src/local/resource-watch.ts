import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { describeError } from './kubeconfig.js';
import { sleep } from './readiness.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchTarget<T extends KubernetesObject> {
  /** The collection's URL path, e.g. /api/v1/pods. */
  path: string;
  fieldSelector?: string;
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
}

export interface ResourceWatch {
  stop(): void;
}

const retryDelayMs = 1000;
// The server ends each watch after this long and we resume, so a stream that
// silently stopped delivering cannot stall us forever.
const watchTimeoutSeconds = 300;

/**
 * Delivers every object of a collection and then its changes, forever: after a
 * closed stream it resumes from the last resource version, and after any error
 * (including 410 Gone) it lists again. Listed objects arrive as ADDED.
 */
export function watchResource<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  target: WatchTarget<T>,
  onEvent: (type: WatchEventType, object: T) => void,
  log: (line: string) => void,
): ResourceWatch {
  const watch = new Watch(kubeConfig);
  let stopped = false;
  let current: AbortController | undefined;

  const streamFrom = (resourceVersion: string | undefined) =>
    new Promise<string | undefined>((resolve, reject) => {
      let latest = resourceVersion;
      const onLine = (type: string, object: T) => {
        if (stopped) return;
        if (type === 'ERROR') {
          current?.abort();
          reject(new Error(`watch ${target.path}: ${(object as { message?: string }).message ?? 'error event'}`));
          return;
        }
        latest = object.metadata?.resourceVersion ?? latest;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, object);
      };
      const onDone = (error: unknown) => (error ? reject(error) : resolve(latest));
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds,
        fieldSelector: target.fieldSelector,
      };
      watch.watch(target.path, query, onLine, onDone).then((controller) => {
        current = controller;
        if (stopped) controller.abort();
      }, reject);
    });

  const run = async () => {
    while (!stopped) {
      try {
        const list = await target.list();
        if (stopped) return;
        list.items.forEach((item) => onEvent('ADDED', item));
        let resourceVersion = list.metadata?.resourceVersion;
        while (!stopped) resourceVersion = await streamFrom(resourceVersion);
      } catch (error) {
        if (stopped) return;
        log(`re-listing ${target.path} after: ${describeError(error)}`);
        await sleep(retryDelayMs);
      }
    }
  };
  void run();

  return {
    stop() {
      stopped = true;
      current?.abort();
    },
  };
}
