import type { IngressObject, ObjectMeta } from './meta.js';
import { PORTS } from './ports.js';

/** atomix-bench serves its whole REST API for managing benchmarks under this path. */
const BENCH_API_PATH = '/v1/bench';

export function benchIngress(meta: ObjectMeta, coordinatorService: string): IngressObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta,
    spec: {
      rules: [
        {
          http: {
            paths: [
              {
                path: BENCH_API_PATH,
                pathType: 'Prefix',
                backend: { service: { name: coordinatorService, port: { number: PORTS.http } } },
              },
            ],
          },
        },
      ],
    },
  };
}
