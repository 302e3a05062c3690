// One local Atomix cluster per test suite: started before its tests, stopped after them.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AtomixCluster } from '../../src/api/schema.js';
import { installAtomix } from './atomix-launcher.js';
import { LocalAtomixCluster } from './local-cluster.js';

/** Several JVMs start at once on 2 shared cores; each waits for the management group's quorum. */
export const READY_TIMEOUT_MS = 8 * 60_000;
/** Gossip and elections after start-up. */
export const CONVERGE_TIMEOUT_MS = 2 * 60_000;
/** For a describe() that starts a cluster. */
export const SUITE_TIMEOUT_MS = 20 * 60_000;

/**
 * Registers hooks that render the cluster, run every pod of it until every node is ready, and
 * stop them after the suite. Returns an accessor for the running cluster.
 */
export function useLocalCluster(spec: AtomixCluster): () => LocalAtomixCluster {
  let cluster: LocalAtomixCluster | undefined;
  before(async () => {
    const started = await LocalAtomixCluster.startRendered(spec, await installAtomix());
    cluster = started;
    await started.explainFailure(() => started.waitUntilReady(READY_TIMEOUT_MS));
  });
  after(() => cluster?.stop());
  return () => {
    assert.ok(cluster, 'the cluster was started');
    return cluster;
  };
}
