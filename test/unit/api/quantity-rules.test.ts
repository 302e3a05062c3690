// Container resources and volume sizes at admission: which resource names, values and
// request/limit pairs the API server would take, each refusal with its field and message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { refusals, verdict, type AdmissionCase } from './admission-table.js';

const NAMES = 'resource names must be cpu, memory, ephemeral-storage, hugepages-<size> or an extended resource with a domain prefix such as example.com/gpu';
const POSITIVE = 'must be greater than zero';
const AT_MOST_1EI = 'must be at most 1Ei';
const CPU = 'cpu must be at most 10k (cores)';
const WITHIN_LIMIT = 'every request must be at most the limit of the same resource';

const RESOURCES = 'spec.managementGroup.resources';
const resources = (value: object) => ({ managementGroup: { resources: value } });
const limits = (value: object) => resources({ limits: value });

const CASES: readonly AdmissionCase[] = [
  // Resource names.
  { name: 'the standard resources', spec: limits({ cpu: 1, memory: '1Gi', 'ephemeral-storage': '1Gi' }), refused: {} },
  { name: 'hugepages of a size', spec: limits({ 'hugepages-1Gi': '2Gi', 'hugepages-2Mi': '2Mi' }), refused: {} },
  { name: 'hugepages without a size', spec: limits({ 'hugepages-': '1' }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'hugepages of no quantity', spec: limits({ 'hugepages-big': '1' }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'extended resources with a domain', spec: limits({ 'example.com/gpu': 1, 'x/a_b.c-d': '2', 'a.b.example/Z9': 1 }), refused: {} },
  { name: 'a bare name', spec: limits({ gpu: 1 }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'a domain in capitals', spec: limits({ 'Example.com/gpu': 1 }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'a domain without a name', spec: limits({ 'example.com/': 1 }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'the kubernetes.io domain', spec: limits({ 'kubernetes.io/gpu': 1 }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'a kubernetes.io subdomain', spec: limits({ 'nvidia.kubernetes.io/gpu': 1 }), refused: { [`${RESOURCES}.limits`]: [NAMES] } },
  { name: 'a quota name (requests.)', spec: resources({ requests: { 'requests.example.com/gpu': 1 } }), refused: { [`${RESOURCES}.requests`]: [NAMES] } },
  { name: 'a name that only contains requests.', spec: limits({ 'my.requests.example/gpu': 1 }), refused: {} },
  // Values.
  { name: 'the smallest cpu', spec: limits({ cpu: '1m' }), refused: {} },
  { name: 'zero memory', spec: limits({ memory: '0' }), refused: { [`${RESOURCES}.limits[memory]`]: [POSITIVE] } },
  { name: 'negative hugepages', spec: limits({ 'hugepages-2Mi': '-2Mi' }), refused: { [`${RESOURCES}.limits[hugepages-2Mi]`]: [POSITIVE] } },
  { name: 'zero of an extended resource, as a number', spec: resources({ requests: { 'example.com/gpu': 0 } }), refused: { [`${RESOURCES}.requests[example.com/gpu]`]: [POSITIVE] } },
  { name: 'memory of 1Ei', spec: limits({ memory: '1Ei' }), refused: {} },
  { name: 'memory above 1Ei', spec: limits({ memory: '1025Pi' }), refused: { [`${RESOURCES}.limits[memory]`]: [AT_MOST_1EI] } },
  { name: 'cpu of 10k cores', spec: limits({ cpu: '10k' }), refused: {} },
  { name: 'cpu of 10000 as a number', spec: limits({ cpu: 10_000 }), refused: {} },
  { name: 'cpu just above 10k', spec: limits({ cpu: '10000001m' }), refused: { [`${RESOURCES}.limits`]: [CPU] } },
  { name: 'cpu above 10k in requests', spec: resources({ requests: { cpu: 10_001 } }), refused: { [`${RESOURCES}.requests`]: [CPU] } },
  { name: 'memory needs no cpu bound', spec: limits({ memory: '20000' }), refused: {} },
  // Requests and limits together.
  { name: 'a request equal to its limit in other units', spec: resources({ requests: { memory: '1Gi' }, limits: { memory: '1073741824' } }), refused: {} },
  { name: 'a request below its limit', spec: resources({ requests: { cpu: '500m' }, limits: { cpu: 1 } }), refused: {} },
  { name: 'a request just above its limit', spec: resources({ requests: { cpu: '1001m' }, limits: { cpu: 1 } }), refused: { [`${RESOURCES}.requests`]: [WITHIN_LIMIT] } },
  { name: 'a numeric request above a string limit', spec: resources({ requests: { cpu: 2 }, limits: { cpu: '1' } }), refused: { [`${RESOURCES}.requests`]: [WITHIN_LIMIT] } },
  { name: 'a request of a resource without a limit', spec: resources({ requests: { cpu: 4, memory: '1Gi' }, limits: { memory: '2Gi' } }), refused: {} },
  { name: 'limits only', spec: limits({ memory: '1Gi' }), refused: {} },
  { name: 'requests only', spec: resources({ requests: { memory: '64Gi' } }), refused: {} },
  { name: 'one of two requests above its limit', spec: resources({ requests: { cpu: '1', memory: '3Gi' }, limits: { cpu: '1', memory: '2Gi' } }), refused: { [`${RESOURCES}.requests`]: [WITHIN_LIMIT] } },
  {
    name: 'a malformed limit is the pattern\'s to report',
    spec: resources({ requests: { memory: '1Gi' }, limits: { memory: 'lots' } }),
    refused: { [`${RESOURCES}.limits.memory`]: ['must be a Kubernetes quantity such as 2G, 10Gi, 500m or 1'] },
  },
  {
    name: 'a malformed request is the pattern\'s to report',
    spec: resources({ requests: { memory: 'lots' }, limits: { memory: '1Gi' } }),
    refused: { [`${RESOURCES}.requests.memory`]: ['must be a Kubernetes quantity such as 2G, 10Gi, 500m or 1'] },
  },
  {
    name: 'a partition group\'s resources',
    spec: { partitionGroups: [{ name: 'raft', raft: {}, resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi', cpu: 0 } } }] },
    refused: {
      'spec.partitionGroups[0].resources.requests': [WITHIN_LIMIT],
      'spec.partitionGroups[0].resources.limits[cpu]': [POSITIVE],
    },
  },
  { name: 'the benchmark\'s resources', spec: { version: '3.1.5', benchmark: { resources: { limits: { gpu: 1 } } } }, refused: { 'spec.benchmark.resources.limits': [NAMES] } },
  // Volume sizes.
  { name: 'a volume of 1Ei', spec: { managementGroup: { storage: { size: '1Ei' } } }, refused: {} },
  { name: 'a volume above 1Ei', spec: { managementGroup: { storage: { size: '1.5Ei' } } }, refused: { 'spec.managementGroup.storage.size': [AT_MOST_1EI] } },
  { name: 'a volume of 1m (a thousandth of a byte, still positive)', spec: { managementGroup: { storage: { size: '1m' } } }, refused: {} },
  { name: 'a volume of 0Gi', spec: { managementGroup: { storage: { size: '0Gi' } } }, refused: { 'spec.managementGroup.storage.size': [POSITIVE] } },
  { name: 'a log volume of -1', spec: { partitionGroups: [{ name: 'log', log: { storage: { size: '-1' } } }] }, refused: { 'spec.partitionGroups[0].log.storage.size': [POSITIVE] } },
];

describe('resources and volume sizes', () => {
  for (const { name, spec, refused } of CASES) {
    test(`${name}: ${verdict(refused)}`, () => assert.deepEqual(refusals(spec), refused));
  }
});
