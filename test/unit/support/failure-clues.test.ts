import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsToGonePeers, meaningfulTail } from '../../atomix/failure-clues.js';

test("a log tail leaves out Atomix's discovery churn and keeps the last other lines", () => {
  const log = [
    '12:00:00.001 [main] INFO  io.atomix.core.Atomix - 3.1.0',
    '12:00:01.002 [raft-server-raft-partition-1] INFO  i.a.protocols.raft.impl.RaftContext - RaftServer{raft-partition-1} - Found leader raft-0',
    '12:00:15.003 [atomix-cluster-dns-resolver] INFO  i.a.c.discovery.DnsDiscoveryProvider - Node left: Node{id=raft-0, address=raft-0.svc:5679}',
    '12:00:30.004 [atomix-cluster-dns-resolver] INFO  i.a.c.discovery.DnsDiscoveryProvider - Node joined: Node{id=raft-0, address=raft-0.svc:5679}',
    '',
  ].join('\n');
  assert.deepEqual(meaningfulTail(log, 1), [log.split('\n')[1]]);
  assert.deepEqual(meaningfulTail(log, 5), log.split('\n').slice(0, 2));
});

test('connections to a messaging port of an address no pod has are the ones reported', () => {
  // `ss -Htn` as the pods' network namespaces show it: IPv4 peers of the JVM's IPv6 sockets.
  const ss = [
    'ESTAB 0      2660   [::ffff:10.201.0.5]:57564 [::ffff:10.201.0.4]:5679',
    'ESTAB 0      0      [::ffff:10.201.0.5]:57570 [::ffff:10.201.0.6]:5679',
    'ESTAB 0      0      [::ffff:10.201.0.5]:5679  [::ffff:10.201.0.4]:45810',
    'ESTAB 0      0      [::ffff:10.201.0.5]:5678  [::ffff:10.201.0.1]:55860',
    'SYN-SENT 0   1      10.201.0.5:40000 10.201.0.9:5679',
    'ESTAB 0      0      10.201.0.5:41000 10.201.0.8:5679',
  ].join('\n');
  assert.deepEqual(connectionsToGonePeers(ss, new Set(['10.201.0.5', '10.201.0.6'])), ['[::ffff:10.201.0.4]:5679', '10.201.0.8:5679']);
});
