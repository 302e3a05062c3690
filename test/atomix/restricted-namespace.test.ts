// Atomix 3.1.12 on real pods in a namespace that enforces Pod Security "restricted": the pods are
// admitted, each JVM runs as user atomix (uid/gid 1000, the volume's group, no_new_privs, no
// capabilities) and the Raft group serves writes to its data volume; a 3.1.0 cluster (root) next
// to it is refused and reported Degraded with Pod Security's message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import type { AtomixCluster } from '../../src/api/schema.js';
import type { AtomixVersion } from '../../src/api/versions.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster } from '../support/manifests.js';
import { processCredentials } from '../support/processes.js';
import { SUITE_TIMEOUT_MS, useRealCluster } from './real-cluster.js';
import { ok } from './agent-client.js';

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
const ATOMIX_USER = 1000;
const RAFT = { type: 'multi-raft', group: 'raft', readConsistency: 'LINEARIZABLE' };

/** The README example, smaller (one Raft member: two JVMs on a shared machine), on `version`. */
function smallCluster(name: string, version: AtomixVersion): AtomixCluster {
  const example = exampleCluster();
  const [raft] = example.spec.partitionGroups ?? [];
  assert.ok(raft);
  return { ...example, metadata: { name }, spec: { ...example.spec, version, partitionGroups: [{ ...raft, size: 1, partitions: 1 }] } };
}

describe('a namespace enforcing Pod Security "restricted", on real pods', { timeout: SUITE_TIMEOUT_MS }, () => {
  const real = useRealCluster({ namespaceLabels: RESTRICTED });

  test('admits Atomix 3.1.12: its JVMs run as user atomix without privileges, and the Raft group takes writes', async () => {
    const cluster = real();
    const name = 'current';
    await cluster.apply(smallCluster(name, '3.1.12'));
    await cluster.waitUntilReady(name);
    const pods = [names.podName(names.managementStatefulSet(name), 0), names.podName(names.groupStatefulSet(name, 'raft'), 0)];
    for (const pod of pods) {
      const pid = cluster.jvmPid(pod);
      assert.ok(pid, `the JVM of ${pod} runs`);
      const credentials = processCredentials(pid);
      assert.deepEqual(credentials.uids, [ATOMIX_USER, ATOMIX_USER, ATOMIX_USER, ATOMIX_USER], `${pod}: real, effective, saved and fs uid`);
      assert.deepEqual(credentials.gids, [ATOMIX_USER, ATOMIX_USER, ATOMIX_USER, ATOMIX_USER], `${pod}: gids`);
      assert.ok(credentials.groups.includes(ATOMIX_USER), `${pod}: fsGroup among the groups`);
      assert.equal(credentials.noNewPrivs, true, `${pod}: no_new_privs`);
      assert.equal(credentials.effectiveCapabilities, 0n, `${pod}: no effective capabilities`);
    }
    const [, raftPod = ''] = pods;
    const agent = await cluster.agent(raftPod);
    // The counter lives in the Raft group "raft", whose log is on the data volume.
    await ok(agent, 'POST', '/v1/atomic-counter/restricted', { protocol: RAFT });
    assert.equal(await ok(agent, 'POST', '/v1/atomic-counter/restricted/inc'), 1);
    assert.equal(await ok(agent, 'GET', '/v1/atomic-counter/restricted'), 1);
  });

  test('refuses Atomix 3.1.0 (root) and reports it Degraded with Pod Security\'s message', async () => {
    const cluster = real();
    await cluster.apply(smallCluster('old', '3.1.0'));
    const degraded = await waitUntil(async () => {
      const current = await cluster.cluster('old');
      return current.status?.conditions?.find((c) => c.type === 'Degraded' && c.reason === 'PodCreateFailed');
    }, { what: 'the 3.1.0 cluster Degraded', timeoutMs: 60_000, intervalMs: 500 });
    assert.match(degraded.message, /cannot create its pods: violates PodSecurity "restricted:latest": runAsNonRoot != true/);
    assert.deepEqual((await cluster.pods('app=old')).map((pod) => pod.metadata?.name), []);
  });
});
