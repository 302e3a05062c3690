// Every Service a cluster gets, as a table: whether it is headless, which pods it selects and
// which ports it publishes; and the benchmark's Ingress in front of the coordinator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCluster } from '../../../src/render/index.js';
import { EVERY_GROUP, findObject, validCluster } from './rendered-cluster.js';

const objects = renderCluster(validCluster(EVERY_GROUP));

const NODE_PORT = { name: 'node', port: 5679, targetPort: 'node', protocol: 'TCP' };
const HTTP_PORT = { name: 'http', port: 5678, targetPort: 'http', protocol: 'TCP' };
const headless = (selector: object, ports: object[]) => ({ clusterIP: 'None', publishNotReadyAddresses: true, selector, ports });

const SERVICES: readonly (readonly [name: string, why: string, spec: object])[] = [
  [
    'example-atomixcluster-service',
    'discovery: every data node, messaging only (an SRV lookup of the bare name yields the node port alone)',
    headless({ app: 'example-atomixcluster', 'agent.atomix.io/node': 'server' }, [NODE_PORT]),
  ],
  ['example-atomixcluster-raft', 'a partition group: its own pods, REST and messaging', headless({ app: 'example-atomixcluster', type: 'group', group: 'raft' }, [HTTP_PORT, NODE_PORT])],
  ['example-atomixcluster-log', 'a log group likewise', headless({ app: 'example-atomixcluster', type: 'group', group: 'log' }, [HTTP_PORT, NODE_PORT])],
  ['example-atomixcluster-pb', 'a primary-backup group likewise', headless({ app: 'example-atomixcluster', type: 'group', group: 'pb' }, [HTTP_PORT, NODE_PORT])],
  [
    'example-atomixcluster-bench',
    'the benchmark pods\' governing Service: workers and coordinator',
    headless({ app: 'example-atomixcluster', 'agent.atomix.io/node': 'bench' }, [HTTP_PORT, NODE_PORT]),
  ],
  [
    'example-atomixcluster-bench-coordinator',
    'the coordinator behind the Ingress: a ClusterIP Service of its REST port',
    { type: 'ClusterIP', selector: { app: 'example-atomixcluster', type: 'benchmark-coordinator' }, ports: [HTTP_PORT] },
  ],
];

describe('services', () => {
  for (const [name, why, spec] of SERVICES) {
    test(`${name}: ${why}`, () => {
      const service = findObject(objects, 'Service', name);
      assert.equal(service.apiVersion, 'v1');
      assert.deepEqual(service.spec, spec);
    });
  }

  test('a cluster has exactly these Services', () => {
    const rendered = objects.filter((object) => object.kind === 'Service').map((object) => object.metadata.name);
    assert.deepEqual(rendered.sort(), SERVICES.map(([name]) => name).sort());
  });

  test('the Ingress routes every path under /v1/bench to the coordinator\'s REST port', () => {
    const ingress = findObject(objects, 'Ingress', 'example-atomixcluster-bench');
    assert.equal(ingress.apiVersion, 'networking.k8s.io/v1');
    assert.deepEqual(ingress.spec, {
      rules: [
        {
          http: {
            paths: [
              {
                path: '/v1/bench',
                pathType: 'Prefix',
                backend: { service: { name: 'example-atomixcluster-bench-coordinator', port: { number: 5678 } } },
              },
            ],
          },
        },
      ],
    });
  });

  test('without a benchmark there is no Ingress and no benchmark Service', () => {
    const { benchmark: _, ...withoutBenchmark } = EVERY_GROUP;
    const kinds = renderCluster(validCluster(withoutBenchmark)).map((object) => `${object.kind}/${object.metadata.name}`);
    assert.ok(!kinds.some((kind) => kind.startsWith('Ingress/') || kind.includes('bench')), kinds.join(' '));
  });
});
