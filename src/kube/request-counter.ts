/**
 * Counts every API request by verb, resource and response code, both as the Prometheus
 * counter `rest_client_requests_total` and in-process, so tests and benchmarks can ask
 * "how many writes so far".
 */
import { Counter, type Registry } from 'prom-client';

/** A Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection (or an extension's). */
type Verb = string;

const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface RequestDescription {
  verb: Verb;
  /** Plural resource name, with the subresource if any ('atomixclusters/status'); 'discovery' for API discovery. */
  resource: string;
}

/** Derives the Kubernetes verb and resource from an HTTP method and API URL. */
export function describeRequest(method: string, url: URL): RequestDescription {
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const apiRoot = segments[0] === 'api' ? 2 : segments[0] === 'apis' ? 3 : undefined;
  const upperMethod = method.toUpperCase();
  if (apiRoot === undefined) return { verb: upperMethod.toLowerCase(), resource: 'nonresource' };
  const rest = segments.slice(apiRoot);
  if (rest.length === 0) return { verb: 'get', resource: 'discovery' };
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [plural = '', name, subresource] = namespaced ? rest.slice(2) : rest;
  const resource = subresource ? `${plural}/${subresource}` : plural;
  return { verb: verbOf(upperMethod, name !== undefined, url.searchParams.get('watch')), resource };
}

function verbOf(method: string, named: boolean, watch: string | null): Verb {
  switch (method) {
    case 'GET':
      if (watch === 'true' || watch === '1') return 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

export interface RequestCount extends RequestDescription {
  code: string;
  count: number;
}

export interface RequestFilter {
  verb?: Verb | readonly Verb[];
  resource?: string;
  code?: string;
}

const METRIC_NAME = 'rest_client_requests_total';

export class RequestCounter {
  private readonly counts = new Map<string, RequestCount>();
  private readonly metric: Counter<'verb' | 'resource' | 'code'> | undefined;

  /** With a registry, counts are also exported as `rest_client_requests_total{verb,resource,code}`. */
  constructor(registry?: Registry) {
    this.metric = registry ? requestMetric(registry) : undefined;
  }

  /** `code` is the HTTP status, or 'error' when no response arrived. */
  record(description: RequestDescription, code: string): void {
    const key = `${description.verb} ${description.resource} ${code}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { ...description, code, count: 1 });
    this.metric?.inc({ verb: description.verb, resource: description.resource, code });
  }

  total(filter: RequestFilter = {}): number {
    let total = 0;
    for (const entry of this.counts.values()) if (matches(entry, filter)) total += entry.count;
    return total;
  }

  /** Create, update, patch and delete requests, whatever their outcome. */
  writes(filter: Omit<RequestFilter, 'verb'> = {}): number {
    return this.total({ ...filter, verb: [...WRITE_VERBS] });
  }

  snapshot(): RequestCount[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }
}

function matches(entry: RequestCount, filter: RequestFilter): boolean {
  const verbs = filter.verb === undefined ? undefined : typeof filter.verb === 'string' ? [filter.verb] : filter.verb;
  return (
    (verbs === undefined || verbs.includes(entry.verb)) &&
    (filter.resource === undefined || filter.resource === entry.resource) &&
    (filter.code === undefined || filter.code === entry.code)
  );
}

/** One counter per registry, even when several clients share the registry. */
function requestMetric(registry: Registry): Counter<'verb' | 'resource' | 'code'> {
  const existing = registry.getSingleMetric(METRIC_NAME);
  if (existing) return existing as Counter<'verb' | 'resource' | 'code'>;
  return new Counter({
    name: METRIC_NAME,
    help: 'Number of requests to the Kubernetes API, by verb, resource and HTTP status code.',
    labelNames: ['verb', 'resource', 'code'],
    registers: [registry],
  });
}
