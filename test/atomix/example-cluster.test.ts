// The README's example cluster (deploy/crds/atomixcluster_cr.yaml: a management group of 1 and
// a Raft group "raft" of 3 nodes with 3 partitions) created through the operator on real pods:
// every node is a JVM in its pod sandbox, found by DNS discovery of the operator's Service (no
// bootstrap list), and a real client's acknowledged writes survive pod deletion and a JVM kill.
import { execFileSync, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { names } from '../../src/api/names.js';
import type { KubernetesObject, V1ConfigMap, V1PodSpec } from '@kubernetes/client-node';
import { isKind, renderCluster } from '../../src/render/index.js';
import { collectionPath, objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import { exampleCluster, readManifest } from '../support/manifests.js';
import { procStat } from '../support/processes.js';
import { hostVethName } from '../../src/local/sandbox/network.js';
import { PORTS } from '../../src/render/ports.js';
import { CONVERGE_TIMEOUT_MS, READY_TIMEOUT_MS, SUITE_TIMEOUT_MS, useRealCluster, type RealCluster } from './real-cluster.js';
import { call, memberIds, ok, partitionGroups, type AgentEndpoint } from './agent-client.js';
import { memorySizeBytes, renderedAtomixConfig, renderedGroup, type RenderedAtomixConfig } from './rendered-config.js';

// Linearizable reads: with Atomix's default (sequential) a session on another node may read a
// value older than an increment another node already acknowledged.
const RAFT = { type: 'multi-raft', group: 'raft', readConsistency: 'LINEARIZABLE' };

describe('the README example cluster through the operator on real pods', { timeout: SUITE_TIMEOUT_MS }, () => {
  const spec = exampleCluster();
  const name = spec.metadata.name;
  const objects = renderCluster(spec);
  const managementPod = names.podName(names.managementStatefulSet(name), 0);
  const raftPods = [0, 1, 2].map((ordinal) => names.podName(names.groupStatefulSet(name, 'raft'), ordinal));
  const [raft0 = '', raft1 = '', raft2 = ''] = raftPods;
  const real = useRealCluster();
  /** Increments acknowledged by the agent: what the counter must read. */
  let acknowledged = 0;

  async function increment(agent: AgentEndpoint, times: number): Promise<void> {
    for (let index = 0; index < times; index++) {
      assert.equal(await ok(agent, 'POST', '/v1/atomic-counter/example-counter/inc'), acknowledged + 1);
      acknowledged++;
    }
  }

  async function counterThrough(cluster: RealCluster, pod: string): Promise<number> {
    const agent = await cluster.agent(pod);
    // Opening the primitive on a node that just (re)started can race its Raft servers registering.
    return waitUntil(
      async () => {
        await ok(agent, 'POST', '/v1/atomic-counter/example-counter', { protocol: RAFT });
        return (await ok(agent, 'GET', '/v1/atomic-counter/example-counter')) as number;
      },
      { what: `the counter through ${pod}`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1000 },
    );
  }

  async function waitForPodReady(cluster: RealCluster, pod: string, check: (restarts: number, uid: string) => boolean): Promise<void> {
    await cluster.explainFailure(() =>
      waitUntil(
        async () => {
          const current = await cluster.pod(pod).catch(() => undefined);
          const status = current?.status?.containerStatuses?.[0];
          return status?.ready === true && check(status.restartCount, current?.metadata?.uid ?? '');
        },
        { what: `${pod} to be Ready again`, timeoutMs: READY_TIMEOUT_MS, intervalMs: 1000 },
      ),
    );
  }

  /** Uids of the PersistentVolumeClaims a pod mounts. */
  async function claimUidsOf(cluster: RealCluster, pod: string): Promise<string[]> {
    const claims = (await cluster.pod(pod)).spec?.volumes?.flatMap((volume) => volume.persistentVolumeClaim?.claimName ?? []) ?? [];
    const uids = [];
    for (const claim of claims) {
      const found = await cluster.admin.request<KubernetesObject>({ method: 'GET', path: objectPath(resources.persistentVolumeClaims, cluster.namespace, claim) });
      uids.push(found.metadata?.uid ?? '');
    }
    return uids;
  }

  test('applied as shipped (no bootstrap list), it becomes Ready with every pod a running JVM', async () => {
    const cluster = real();
    await cluster.apply(spec);
    await cluster.waitUntilReady(name);
    const pods = await cluster.pods(`app=${name}`);
    assert.deepEqual(pods.map((pod) => pod.metadata?.name).sort(), [managementPod, ...raftPods].sort());
    for (const pod of pods) assert.ok(cluster.jvmPid(pod.metadata?.name ?? ''), `${pod.metadata?.name ?? ''} runs a JVM`);
    const configMap = await cluster.admin.request<V1ConfigMap>({ method: 'GET', path: objectPath(resources.configMaps, cluster.namespace, names.groupConfigMap(name, 'raft')) });
    const config = JSON.parse(configMap.data?.['atomix.conf'] ?? '{}') as RenderedAtomixConfig;
    assert.deepEqual(config.cluster.discovery, {
      type: 'dns',
      service: `${names.discoveryService(name)}.${cluster.namespace}.svc.cluster.local`,
    }, 'members find each other only through the discovery Service');
  });

  test('all pods join one cluster under their pod names, found by DNS', () =>
    real().explainFailure(async () => {
      const expected = [managementPod, ...raftPods].sort();
      for (const pod of expected) {
        const agent = await real().agent(pod);
        await waitUntil(async () => JSON.stringify(await memberIds(agent)) === JSON.stringify(expected), {
          what: `${pod} to see every member`,
          timeoutMs: CONVERGE_TIMEOUT_MS,
        });
      }
      const groups = await partitionGroups(await real().agent(raft0));
      const raft = groups.find((group) => group.name === 'raft');
      assert.equal(raft?.partitions.length, renderedGroup(objects, names.groupConfigMap(name, 'raft'), 'raft').partitions);
      for (const partition of raft.partitions) assert.deepEqual(partition.members, raftPods);
    }));

  test('a counter incremented through one raft pod reads the same through another', () =>
    real().explainFailure(async () => {
      const writer = await real().agent(raft0);
      await ok(writer, 'POST', '/v1/atomic-counter/example-counter', { protocol: RAFT });
      await increment(writer, 5);
      assert.equal(await counterThrough(real(), raft1), acknowledged);
    }));

  test('the raft group takes entries up to the rendered maxEntrySize and refuses larger ones', () =>
    real().explainFailure(async () => {
      const limit = memorySizeBytes(renderedGroup(objects, names.groupConfigMap(name, 'raft'), 'raft').storage?.maxEntrySize ?? '');
      const [writer, reader] = [await real().agent(raft0), await real().agent(raft1)];
      const value = 'x'.repeat(Math.floor(limit / 2));
      await ok(writer, 'POST', '/v1/atomic-map/within-limit', { protocol: RAFT });
      await ok(reader, 'POST', '/v1/atomic-map/within-limit', { protocol: RAFT });
      await ok(writer, 'PUT', '/v1/atomic-map/within-limit/key', value);
      const stored = (await ok(reader, 'GET', '/v1/atomic-map/within-limit/key')) as { value: string };
      assert.equal(stored.value, value);
      // A refused entry also leaves this node's session for the map unusable, so the check uses a map of its own.
      await ok(writer, 'POST', '/v1/atomic-map/over-limit', { protocol: RAFT });
      const refused = await call(writer, 'PUT', '/v1/atomic-map/over-limit/key', 'x'.repeat(limit + 1024));
      assert.equal(refused.status, 500, `an entry over ${limit} bytes is refused: ${refused.body}`);
    }));

  test('kubectl delete pod of a raft member: recreated, Ready again, its data kept on the PVC', async () => {
    const cluster = real();
    const before = await cluster.pod(raft1);
    const claimsBefore = await claimUidsOf(cluster, raft1);
    assert.equal(claimsBefore.length, 1, `${raft1} mounts one PVC`);
    await cluster.deletePod(raft1);
    await waitForPodReady(cluster, raft1, (_, uid) => uid !== before.metadata?.uid);
    assert.deepEqual(await claimUidsOf(cluster, raft1), claimsBefore, 'the new pod mounts the same PVC');
    await cluster.waitUntilReady(name);
    assert.equal(await counterThrough(cluster, raft1), acknowledged);
    await increment(await cluster.agent(raft1), 2);
    assert.equal(await counterThrough(cluster, raft0), acknowledged);
  });

  /** The member that leads a raft partition: the newest "Found leader" line for it in any member's log. */
  async function leaderOf(cluster: RealCluster, partition: number): Promise<string> {
    let newest = { at: '', leader: '' };
    for (const pod of raftPods) {
      const log = String(await cluster.admin.request({ method: 'GET', path: `${objectPath(resources.pods, cluster.namespace, pod)}/log` }));
      for (const match of log.matchAll(new RegExp(`^(\\S+) .*RaftServer\\{raft-partition-${String(partition)}\\} - Found leader (\\S+)`, 'gm'))) {
        if ((match[1] ?? '') > newest.at) newest = { at: match[1] ?? '', leader: match[2] ?? '' };
      }
    }
    return newest.leader;
  }

  // A leader cut off from its peers appends writes nobody else gets; the others elect a new leader
  // that commits more entries over those indexes. With level disk, Atomix 3.1 reads the log
  // through a copy that truncation does not refresh: the recreated member applied its stale
  // entries from it, then nothing more, and never became Ready (the delete-pod case above failed
  // so whenever the deleted raft-1 led a partition with entries it had not replicated).
  test('a raft leader cut off with writes no other member has, then deleted: recreated, Ready again, the acknowledged writes kept', async () => {
    const cluster = real();
    const leader = await leaderOf(cluster, 1);
    assert.ok(raftPods.includes(leader), `a member's log names the leader of raft partition 1 (found "${leader}")`);
    const survivor = raftPods.find((pod) => pod !== leader) ?? '';
    const [cutOff, writer] = [await cluster.agent(leader), await cluster.agent(survivor)];
    for (const agent of [cutOff, writer]) await ok(agent, 'POST', '/v1/atomic-map/cut-off', { protocol: RAFT });
    const before = await cluster.pod(leader);
    const pid = cluster.jvmPid(leader);
    assert.ok(pid, `${leader} runs a JVM`);
    execFileSync('ip', ['link', 'set', hostVethName(before.status?.podIP ?? ''), 'down']);
    const stale = Array.from({ length: 12 }, (_, index) => writeThroughLoopback(pid, `/v1/atomic-map/cut-off/stale-${String(index)}`));
    await waitUntil(async () => (await call(writer, 'PUT', '/v1/atomic-map/cut-off/first', 'after the cut')).status === 200, {
      what: `a new leader without ${leader}`,
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 1000,
    });
    // More entries than the cut-off leader's stale tail: the recreated member must apply past it.
    const written = Array.from({ length: 30 }, (_, index) => [`new-${String(index)}`, `value-${String(index)}`] as const);
    for (const [key, value] of written) await ok(writer, 'PUT', `/v1/atomic-map/cut-off/${key}`, value);
    await cluster.deletePod(leader);
    await Promise.all(stale);
    closeConnectionsTo(cluster, before.status?.podIP ?? '');
    await waitForPodReady(cluster, leader, (_, uid) => uid !== before.metadata?.uid);
    const reader = await cluster.agent(leader);
    await ok(reader, 'POST', '/v1/atomic-map/cut-off', { protocol: RAFT });
    for (const [key, value] of written) {
      const stored = (await ok(reader, 'GET', `/v1/atomic-map/cut-off/${key}`)) as { value: string };
      assert.equal(stored.value, value, `${key} through ${leader}`);
    }
    await cluster.waitUntilReady(name);
  });

  /** PUT through a pod's agent on its loopback (its pod network link is down); resolves when the try ended. */
  function writeThroughLoopback(pid: number, path: string): Promise<void> {
    const script = `fetch('http://127.0.0.1:${String(PORTS.http)}${path}', { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'stale', signal: AbortSignal.timeout(15000) }).catch(() => {})`;
    const child = spawn('nsenter', ['--target', String(pid), '--net', '--', process.execPath, '-e', script], { stdio: 'ignore' });
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * The cut kept the peers' pooled connections to the deleted pod's address open: its FIN never
   * reached them, and Atomix closes a pooled connection on errors, not on timeouts. Closing them
   * stands for the FIN, so what follows is the recreated member's own start.
   */
  function closeConnectionsTo(cluster: RealCluster, address: string): void {
    for (const pod of [managementPod, ...raftPods]) {
      const pid = cluster.jvmPid(pod);
      if (pid !== undefined) execFileSync('nsenter', ['--target', String(pid), '--net', '--', 'ss', '-K', '-tn', 'dst', `[::ffff:${address}]`], { stdio: 'ignore' });
    }
  }

  test("kill -9 of a member's JVM: the container restarts (restartCount 1), Ready again, data intact", async () => {
    const cluster = real();
    const pid = cluster.jvmPid(raft2);
    assert.ok(pid, `${raft2} runs a JVM`);
    const started = procStat(pid)?.startTime;
    process.kill(pid, 'SIGKILL');
    await waitForPodReady(cluster, raft2, (restarts) => restarts === 1);
    const restarted = cluster.jvmPid(raft2);
    assert.ok(restarted, `${raft2} runs a JVM again`);
    assert.ok(restarted !== pid || procStat(restarted)?.startTime !== started, 'a new JVM, not the killed one');
    assert.equal(await counterThrough(cluster, raft2), acknowledged);
    await increment(await cluster.agent(raft2), 2);
    assert.equal(await counterThrough(cluster, raft0), acknowledged);
  });

  /** Applies a seed patch, waits for Ready and for every new pod to run a JVM; returns the new pods. */
  async function applySeedPatch(cluster: RealCluster, file: string): Promise<string[]> {
    const before = new Set((await cluster.pods(`app=${name}`)).map((pod) => pod.metadata?.name));
    await cluster.mergePatch(name, readManifest(`deploy/crds/${file}`));
    await cluster.waitUntilReady(name);
    const added = (await cluster.pods(`app=${name}`)).map((pod) => pod.metadata?.name ?? '').filter((pod) => !before.has(pod)).sort();
    for (const pod of added) assert.ok(cluster.jvmPid(pod), `${pod} runs a JVM`);
    return added;
  }

  /** Sets the example's groups again, as a merge patch that lists only them. */
  async function removeAddedGroups(cluster: RealCluster): Promise<void> {
    await cluster.mergePatch(name, { spec: { partitionGroups: (readManifest('deploy/crds/atomixcluster_cr.yaml')['spec'] as { partitionGroups: unknown }).partitionGroups } });
  }

  test('the bench patch: client-only benchmark workers join through the discovery service and use the raft group', async () => {
    const cluster = real();
    const workers = [0, 1, 2].map((ordinal) => names.podName(names.benchWorkers(name), ordinal));
    const added = await applySeedPatch(cluster, 'atomixcluster_cr_bench.yaml');
    assert.deepEqual(added, [names.podName(names.benchCoordinator(name), 0), ...workers].sort());
    await cluster.explainFailure(async () => {
      const worker = await cluster.agent(workers[0] ?? '');
      const members = await waitUntil(
        async () => {
          const ids = await memberIds(worker);
          return [managementPod, ...raftPods, workers[0]].every((id) => ids.includes(id ?? '')) ? ids : undefined;
        },
        { what: `${worker.pod} to see the servers`, timeoutMs: CONVERGE_TIMEOUT_MS },
      );
      const groups = await partitionGroups(worker);
      assert.ok(members.length >= 5, `members seen by the worker: ${members.join(', ')}`);
      assert.deepEqual(groups.find((group) => group.name === 'raft')?.partitions.map((p) => p.members), [raftPods, raftPods, raftPods]);
      assert.equal(await counterThrough(cluster, workers[0] ?? ''), acknowledged, 'the worker reads what the servers acknowledged');
      await increment(worker, 3);
      assert.equal(await counterThrough(cluster, raft0), acknowledged);
    });
    await cluster.mergePatch(name, { spec: { benchmark: null } });
    await cluster.waitUntilStopped(added);
  });

  /** Waits until a client sees a primary for every partition of a group (for Raft groups it shows only leaders its own sessions found). */
  async function waitForPrimaries(client: AgentEndpoint, group: string): Promise<void> {
    await waitUntil(
      async () => (await partitionGroups(client)).find((g) => g.name === group)?.partitions.every((p) => p.primary !== null),
      { what: `a primary for every partition of ${group}`, timeoutMs: CONVERGE_TIMEOUT_MS },
    );
  }

  /**
   * Applies a seed patch that adds one group of `size` pods, runs use with the group's agents and a raft pod's (a client of the group), then
   * removes the group again and waits until its pods and JVMs are gone.
   */
  async function addGroupThenRemove(file: string, group: string, size: number, use: (members: AgentEndpoint[], client: AgentEndpoint) => Promise<void>): Promise<void> {
    const cluster = real();
    const added = await applySeedPatch(cluster, file);
    assert.deepEqual(added, Array.from({ length: size }, (_, ordinal) => names.podName(names.groupStatefulSet(name, group), ordinal)));
    await cluster.explainFailure(async () => {
      const members = await Promise.all(added.map((pod) => cluster.agent(pod)));
      await use(members, await cluster.agent(raft0));
    });
    await removeAddedGroups(cluster);
    await cluster.waitUntilStopped(added);
    await cluster.waitUntilReady(name);
  }

  test('the primary-backup patch adds a group that serves a map; removing it stops its JVMs', () =>
    addGroupThenRemove('atomixcluster_cr_primary_backup.yaml', 'primary-backup', 2, async ([writer, reader], client) => {
      assert.ok(writer && reader);
      await waitForPrimaries(client, 'primary-backup');
      const protocol = { type: 'multi-primary', group: 'primary-backup', backups: 1 };
      for (const agent of [writer, reader, client]) await ok(agent, 'POST', '/v1/atomic-map/pb-map', { protocol });
      assert.equal(await ok(writer, 'PUT', '/v1/atomic-map/pb-map/greeting', 'hello'), undefined, 'no previous value');
      const previous = (await ok(writer, 'PUT', '/v1/atomic-map/pb-map/greeting', 'hello again')) as { value: string };
      assert.equal(previous.value, 'hello');
      for (const agent of [reader, client]) {
        const stored = (await ok(agent, 'GET', '/v1/atomic-map/pb-map/greeting')) as { value: string };
        assert.equal(stored.value, 'hello again', `read via ${agent.pod}`);
      }
    }));

  test('the log patch adds a group that serves a distributed log; removing it stops its JVMs', () =>
    addGroupThenRemove('atomixcluster_cr_log.yaml', 'log', 3, async ([producer, consumer], client) => {
      assert.ok(producer && consumer);
      await waitForPrimaries(client, 'log');
      for (const agent of [producer, consumer, client]) await ok(agent, 'POST', '/launcher/v1/log/events', { protocol: { type: 'multi-log', group: 'log' } });
      const values = Array.from({ length: 12 }, (_, index) => `event-${index}`);
      for (const value of values) await ok(producer, 'POST', '/launcher/v1/log/events/produce', value);
      for (const agent of [consumer, client]) {
        const records = await waitUntil(
          async () => {
            const consumed = (await ok(agent, 'GET', '/launcher/v1/log/events/records')) as { partition: number; offset: number; value: string }[];
            return consumed.length >= values.length ? consumed : undefined;
          },
          { what: `${agent.pod} to consume every record`, timeoutMs: CONVERGE_TIMEOUT_MS },
        );
        assert.deepEqual(records.map((r) => r.value).sort(), [...values].sort(), `${agent.pod} consumed each record once`);
        for (const partition of new Set(records.map((r) => r.partition))) {
          const inPartition = records.filter((r) => r.partition === partition);
          assert.deepEqual(inPartition.map((r) => r.offset), inPartition.map((_, index) => index + 1), `partition ${partition} in offset order`);
        }
      }
    }));

  test('the raft patch adds a second Raft group that serves a counter; removing it stops its JVMs', async () => {
    await addGroupThenRemove('atomixcluster_cr_raft.yaml', 'consensus', 3, async ([writer], client) => {
      assert.ok(writer);
      const protocol = { ...RAFT, group: 'consensus' };
      for (const agent of [writer, client]) await ok(agent, 'POST', '/v1/atomic-counter/consensus-counter', { protocol });
      for (let expected = 1; expected <= 3; expected++) assert.equal(await ok(writer, 'POST', '/v1/atomic-counter/consensus-counter/inc'), expected);
      assert.equal(await ok(client, 'GET', '/v1/atomic-counter/consensus-counter'), 3);
    });
    assert.equal(await counterThrough(real(), raft1), acknowledged, 'the example group kept every acknowledged increment');
  });

  // Atomix 3.1 maps atomix.conf onto its config classes and refuses unknown keys: that makes the
  // tests above a proof of the rendered configuration (an unknown rendered key would stop the
  // nodes). The operator renders only keys it knows and owns its ConfigMaps, so an unknown key
  // can only be shown with a Pod of its own: the management pod's template, unlabelled (no
  // Service or PDB of the cluster selects it), with a copy of its atomix.conf plus one key.
  test('a storage key Atomix does not know stops the node before it joins', async () => {
    const cluster = real();
    const configMapName = names.managementConfigMap(name);
    const rendered = renderedAtomixConfig(objects, configMapName) as RenderedAtomixConfig & { managementGroup: { storage: Record<string, string> } };
    // maxSegmentSize appears in Atomix's own example reference.conf, but the key is segmentSize.
    rendered.managementGroup.storage['maxSegmentSize'] = '32M';
    const misconfigured = 'misconfigured';
    await cluster.admin.request({
      method: 'POST',
      path: collectionPath(resources.configMaps, cluster.namespace),
      body: { metadata: { name: misconfigured }, data: { 'atomix.conf': JSON.stringify(rendered) } },
    });
    const template = objects.filter(isKind('StatefulSet')).find((set) => set.metadata.name === names.managementStatefulSet(name))?.spec?.template;
    assert.ok(template?.spec);
    const podSpec: V1PodSpec = {
      containers: template.spec.containers,
      securityContext: template.spec.securityContext,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      volumes: [
        { name: 'config', configMap: { name: misconfigured } },
        { name: 'data', emptyDir: {} },
      ],
    };
    await cluster.admin.request({ method: 'POST', path: collectionPath(resources.pods, cluster.namespace), body: { metadata: { name: misconfigured }, spec: podSpec } });
    const terminated = await cluster.explainFailure(() =>
      waitUntil(async () => (await cluster.pod(misconfigured)).status?.containerStatuses?.[0]?.state?.terminated, {
        what: `pod ${misconfigured} to end`,
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 1000,
      }),
    );
    assert.equal(terminated.exitCode, 1);
    const log = await cluster.admin.request({ method: 'GET', path: `${objectPath(resources.pods, cluster.namespace, misconfigured)}/log` });
    assert.match(String(log), /Unknown properties present in configuration: managementGroup\.storage\.maxSegmentSize/);
  });
});
