// One cell of the version matrix: an AtomixCluster on one Atomix 3.1.x version, created through the
// operator on real pods (real-cluster.ts: the operator in-process as its shipped ServiceAccount, every
// pod the atomix/atomix:3.1.N image's entrypoint in its sandbox, discovery through cluster DNS), until
// Ready; then a write through one node read back through another for every data group, the JVMs'
// resident memory, and the cluster deleted again (the next cell's JVMs need the cores).
// versions.test.ts runs a few cells in CI, `npm run test:versions` (versions.ts) every version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_VERSION, KIND } from '../../src/api/group.js';
import { names } from '../../src/api/names.js';
import type { AtomixCluster, PartitionGroupSpec } from '../../src/api/schema.js';
import { validateCluster } from '../../src/api/validate.js';
import type { AtomixVersion } from '../../src/api/versions.js';
import { objectPath, resources } from '../../src/kube/resources.js';
import { waitUntil } from '../../src/local/readiness.js';
import { mergePatch, readManifest } from '../support/manifests.js';
import { rssMiB } from '../support/processes.js';
import { ok, type AgentEndpoint } from './agent-client.js';
import { CONVERGE_TIMEOUT_MS, type RealCluster } from './real-cluster.js';

export const MATRIX_SHAPES = ['README example', 'three groups'] as const;
type MatrixShape = (typeof MATRIX_SHAPES)[number];

/**
 * The memory limit of every group of the three-group cluster, so its JVMs run with the heap the
 * operator derives from it (-Xmx half of it); the README example, as shipped, sets none.
 */
export const THREE_GROUPS_MEMORY_LIMIT = '512Mi';

export interface MatrixRun {
  version: AtomixVersion;
  shape: MatrixShape;
  /** From applying the AtomixCluster to its Ready condition. */
  readyMs: number;
  /** Data groups whose write through one node was read back through another. */
  groupsWritten: string[];
  /** Per JVM of the cluster, after the writes. */
  jvms: { pod: string; rssMiB: number; maxHeap: string }[];
}

/** The README example (deploy/crds/atomixcluster_cr.yaml) with spec.version set. */
function readmeExample(name: string, version: AtomixVersion): unknown {
  return mergePatch(readManifest('deploy/crds/atomixcluster_cr.yaml'), { metadata: { name }, spec: { version } });
}

/** A raft, a primary-backup and a log group of one member each beside the management group. */
function threeGroups(name: string, version: AtomixVersion): unknown {
  const resources = { limits: { memory: THREE_GROUPS_MEMORY_LIMIT } };
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name },
    spec: {
      version,
      managementGroup: { size: 1, resources },
      partitionGroups: [
        { name: 'raft', size: 1, resources, raft: {} },
        { name: 'primary-backup', size: 1, resources, primaryBackup: {} },
        { name: 'log', size: 1, resources, log: {} },
      ],
    },
  };
}

/** The cell's AtomixCluster, validated and defaulted as the API server would; its name is the cell's own. */
export function matrixCluster(shape: MatrixShape, version: AtomixVersion): AtomixCluster {
  // A name per cell: PVCs outlive their cluster, and a cell must not start on another's Raft logs.
  const name = `${shape === 'README example' ? 'example' : 'groups'}-${version.replaceAll('.', '-')}`;
  const validated = validateCluster(shape === 'README example' ? readmeExample(name, version) : threeGroups(name, version));
  if (!validated.ok) assert.fail(`the ${shape} on ${version} does not validate: ${JSON.stringify(validated.errors)}`);
  return validated.cluster;
}

/** Applies the cell's cluster, waits for Ready, writes and reads every data group, measures, deletes. */
export async function runMatrixCell(real: RealCluster, shape: MatrixShape, version: AtomixVersion): Promise<MatrixRun> {
  const spec = matrixCluster(shape, version);
  const name = spec.metadata.name;
  const groups = spec.spec.partitionGroups ?? [];
  const pods = [names.podName(names.managementStatefulSet(name), 0), ...groups.flatMap((group) => podsOf(name, group))];
  const appliedAt = performance.now();
  await real.apply(spec);
  try {
    await real.waitUntilReady(name);
    const readyMs = performance.now() - appliedAt;
    const groupsWritten = await real.explainFailure(() => writeEveryGroup(real, name, groups));
    return { version, shape, readyMs, groupsWritten, jvms: pods.map((pod) => jvmMemory(real, pod)) };
  } finally {
    await real.admin.request({ method: 'DELETE', path: objectPath(resources.atomixClusters, real.namespace, name) });
    await real.waitUntilStopped(pods);
  }
}

function podsOf(cluster: string, group: PartitionGroupSpec): string[] {
  return Array.from({ length: group.size }, (_, ordinal) => names.podName(names.groupStatefulSet(cluster, group.name), ordinal));
}

/**
 * Each group is written through its first member and read through another node: its second
 * member, or (a group of one) the next group's first. The reading node is a client of the group.
 */
async function writeEveryGroup(real: RealCluster, cluster: string, groups: readonly PartitionGroupSpec[]): Promise<string[]> {
  const written: string[] = [];
  for (const [index, group] of groups.entries()) {
    const [first = '', second] = podsOf(cluster, group);
    const next = groups[(index + 1) % groups.length];
    const reader = second ?? podsOf(cluster, next ?? group)[0] ?? '';
    assert.notEqual(reader, first, `group ${group.name} needs another node to read through`);
    await writeAndReadBack(group, await real.agent(first), await real.agent(reader));
    written.push(group.name);
  }
  return written;
}

async function writeAndReadBack(group: PartitionGroupSpec, writer: AgentEndpoint, reader: AgentEndpoint): Promise<void> {
  if (group.raft) return counterThroughTwoNodes(group.name, writer, reader);
  if (group.primaryBackup) return mapThroughTwoNodes(group.name, writer, reader);
  return logThroughTwoNodes(group.name, writer, reader);
}

/** Opening a primitive right after Ready can race the node's servers registering: retried (it is idempotent). */
async function open(agents: AgentEndpoint[], path: string, protocol: object): Promise<void> {
  for (const agent of agents) {
    await waitUntil(async () => (await ok(agent, 'POST', path, { protocol }).then(() => true, () => false)), {
      what: `${path} to open on ${agent.pod}`,
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 1000,
    });
  }
}

async function counterThroughTwoNodes(group: string, writer: AgentEndpoint, reader: AgentEndpoint): Promise<void> {
  const path = `/v1/atomic-counter/matrix-${group}`;
  // Linearizable reads: Atomix's default (sequential) may read an older value through another node.
  await open([writer, reader], path, { type: 'multi-raft', group, readConsistency: 'LINEARIZABLE' });
  // Once, never retried: a failed increment may still have been applied.
  assert.equal(await ok(writer, 'POST', `${path}/inc`), 1, `the first increment of ${group}'s counter through ${writer.pod}`);
  assert.equal(await ok(reader, 'GET', path), 1, `${group}'s counter read through ${reader.pod}`);
}

async function mapThroughTwoNodes(group: string, writer: AgentEndpoint, reader: AgentEndpoint): Promise<void> {
  const path = `/v1/atomic-map/matrix-${group}`;
  await open([writer, reader], path, { type: 'multi-primary', group, backups: 1 });
  assert.equal(await ok(writer, 'PUT', `${path}/key`, 'written'), undefined, `a new key in ${group}'s map through ${writer.pod}`);
  const stored = (await ok(reader, 'GET', `${path}/key`)) as { value: string } | undefined;
  assert.equal(stored?.value, 'written', `${group}'s map read through ${reader.pod}`);
}

async function logThroughTwoNodes(group: string, writer: AgentEndpoint, reader: AgentEndpoint): Promise<void> {
  const path = `/launcher/v1/log/matrix-${group}`;
  await open([writer, reader], path, { type: 'multi-log', group });
  await ok(writer, 'POST', `${path}/produce`, 'written');
  const records = await waitUntil(
    async () => {
      const consumed = (await ok(reader, 'GET', `${path}/records`)) as { value: string }[];
      return consumed.length > 0 ? consumed : undefined;
    },
    { what: `${reader.pod} to consume ${group}'s record`, timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 500 },
  );
  assert.deepEqual(records.map((record) => record.value), ['written'], `${group}'s log consumed through ${reader.pod}`);
}

/** The JVM's resident set and its -Xmx (the operator's JAVA_OPTS; the last one counts), read from /proc. */
function jvmMemory(real: RealCluster, pod: string): MatrixRun['jvms'][number] {
  const pid = real.jvmPid(pod);
  assert.ok(pid, `${pod} runs a JVM`);
  const maxHeap = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg.startsWith('-Xmx'))
    .at(-1);
  return { pod, rssMiB: rssMiB(pid), maxHeap: maxHeap?.slice('-Xmx'.length) ?? 'JVM default' };
}
