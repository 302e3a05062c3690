import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { resolvConf } from '../../../src/local/node/resolv-conf.js';

const dns = { nameserver: '10.200.0.1', domain: 'cluster.local', hostResolvConf: 'nameserver 192.168.1.1\nsearch corp.example\noptions edns0\n' };
const pod = (spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({ metadata: { namespace: 'ns1' }, spec: { containers: [], ...spec } });

test('ClusterFirst (the default): cluster DNS, the namespace search path, ndots:5', () => {
  assert.equal(resolvConf(pod(), dns), 'nameserver 10.200.0.1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
});

test('Default takes the host’s resolv.conf; None only the pod’s dnsConfig', () => {
  assert.equal(resolvConf(pod({ dnsPolicy: 'Default' }), dns), 'nameserver 192.168.1.1\nsearch corp.example\noptions edns0\n');
  const none = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } });
  assert.equal(resolvConf(none, dns), 'nameserver 1.1.1.1\nsearch a.b\noptions ndots:2 rotate\n');
});

test('dnsConfig adds to ClusterFirst and replaces options of the same name', () => {
  const merged = pod({ dnsConfig: { searches: ['extra.example'], options: [{ name: 'ndots', value: '1' }] } });
  assert.equal(resolvConf(merged, dns), 'nameserver 10.200.0.1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local extra.example\noptions ndots:1\n');
});
