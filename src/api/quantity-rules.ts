// Rules for the quantities of an AtomixCluster (container resources, volume sizes): what the
// API server would refuse when the operator applies the StatefulSet, and what no one means,
// rejected at admission instead. CEL uses the API server's quantity() library; the JavaScript
// twins use src/kube/quantity.ts, which parses the same grammar.
import type { Rule } from './rules.js';
import { compareQuantities, parseQuantity, quantitySign } from '../kube/quantity.js';

/** More than any volume, memory or device count anyone means: 2^60. */
const MAX_QUANTITY = '1Ei';
/** More cores than any node has. */
const MAX_CPU = '10k';
/** Resource maps name at most this many resources (bounds the CEL cost of rules that iterate them). */
export const MAX_RESOURCES = 16;

const STANDARD_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;
const HUGEPAGES_PREFIX = 'hugepages-';
/** An extended resource: a DNS-subdomain prefix, "/", a name (Kubernetes' qualified name). */
const EXTENDED_RESOURCE_PATTERN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';

/** Resource values are ints or strings, so CEL needs string() around them. */
const celQuantity = (self: string) => `quantity(string(${self}))`;
const celIsQuantity = (self: string) => `isQuantity(string(${self}))`;

/** Bounds are constants of this file; a malformed value is the schema pattern's to report. */
function atMost(value: string | number, bound: string): boolean {
  const quantity = parseQuantity(value);
  const limit = parseQuantity(bound);
  return quantity === undefined || limit === undefined || compareQuantities(quantity, limit) <= 0;
}

function positiveOrMalformed(value: string | number): boolean {
  const quantity = parseQuantity(value);
  return quantity === undefined || quantitySign(quantity) === 1;
}

/** Rules for one quantity: `self` is the CEL expression of the value, a string or (with asString) an int-or-string. */
function quantityRules(self: string): Rule<string | number>[] {
  return [
    {
      // A malformed value already fails the schema's pattern; this rule adds nothing then.
      cel: `!isQuantity(${self}) || quantity(${self}).isGreaterThan(quantity('0'))`,
      message: 'must be greater than zero',
      holds: positiveOrMalformed,
    },
    {
      cel: `!isQuantity(${self}) || quantity(${self}).compareTo(quantity('${MAX_QUANTITY}')) <= 0`,
      message: `must be at most ${MAX_QUANTITY}`,
      holds: (value) => atMost(value, MAX_QUANTITY),
    },
  ];
}

/** Rules for a volume size (a string). */
export const sizeRules = quantityRules('self');
/** Rules for a resource value (an int or a string). */
export const resourceValueRules = quantityRules('string(self)');

function isResourceName(name: string): boolean {
  if ((STANDARD_RESOURCES as readonly string[]).includes(name)) return true;
  if (name.startsWith(HUGEPAGES_PREFIX)) return parseQuantity(name.slice(HUGEPAGES_PREFIX.length)) !== undefined;
  return new RegExp(EXTENDED_RESOURCE_PATTERN).test(name) && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
}

type ResourceMap = Record<string, string | number>;

/** Rules for a requests or limits map. */
export const resourceMapRules: Rule<ResourceMap>[] = [
  {
    cel:
      `self.all(k, k in [${STANDARD_RESOURCES.map((r) => `'${r}'`).join(', ')}]` +
      ` || (k.startsWith('${HUGEPAGES_PREFIX}') && isQuantity(k.substring(${HUGEPAGES_PREFIX.length})))` +
      ` || (k.matches('${EXTENDED_RESOURCE_PATTERN}') && !k.contains('kubernetes.io/') && !k.startsWith('requests.')))`,
    message:
      'resource names must be cpu, memory, ephemeral-storage, hugepages-<size> or an extended resource with a domain prefix such as example.com/gpu',
    holds: (self) => Object.keys(self).every(isResourceName),
  },
  {
    cel: `!('cpu' in self) || !${celIsQuantity("self['cpu']")} || ${celQuantity("self['cpu']")}.compareTo(quantity('${MAX_CPU}')) <= 0`,
    message: `cpu must be at most ${MAX_CPU} (cores)`,
    holds: (self) => self['cpu'] === undefined || atMost(self['cpu'], MAX_CPU),
  },
];

interface ResourceRequirements {
  requests?: ResourceMap;
  limits?: ResourceMap;
}

function requestWithinLimit(requests: ResourceMap, limits: ResourceMap, name: string): boolean {
  const request = parseQuantity(requests[name] ?? '');
  const limit = limits[name] === undefined ? undefined : parseQuantity(limits[name]);
  return request === undefined || limit === undefined || compareQuantities(request, limit) <= 0;
}

/** Rules for a container's requests and limits together. */
export const resourceRequirementsRules: Rule<ResourceRequirements>[] = [
  {
    cel:
      '!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits)' +
      ` || !${celIsQuantity('self.requests[k]')} || !${celIsQuantity('self.limits[k]')}` +
      ` || ${celQuantity('self.requests[k]')}.compareTo(${celQuantity('self.limits[k]')}) <= 0)`,
    message: 'every request must be at most the limit of the same resource',
    fieldPath: '.requests',
    holds: ({ requests, limits }) => !requests || !limits || Object.keys(requests).every((name) => requestWithinLimit(requests, limits, name)),
  },
];
