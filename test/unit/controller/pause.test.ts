// A paused cluster (agent.atomix.io/paused: "true"): its status as it was, with Progressing
// False/Paused, and once it says so byte-identical whatever the spec does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AtomixCluster, Condition } from '../../../src/api/schema.js';
import { isPaused, pausedStatus } from '../../../src/controller/pause.js';
import { exampleCluster } from '../../support/manifests.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const EARLIER = '2026-12-01T09:00:00.000Z';
const MESSAGE = 'agent.atomix.io/paused is "true": the operator changes nothing until the annotation is removed';

function cluster(annotations: Record<string, string> | undefined, conditions?: Condition[], generation: number | null = 4): AtomixCluster {
  const example = exampleCluster();
  return {
    ...example,
    metadata: { ...example.metadata, ...(annotations ? { annotations } : {}), ...(generation === null ? {} : { generation }) },
    ...(conditions ? { status: { readyGroups: '2/2', conditions } } : {}),
  };
}

const condition = (type: string, status: 'True' | 'False', reason: string): Condition => ({ type, status, reason, message: 'before', lastTransitionTime: EARLIER, observedGeneration: 3 });

describe('isPaused', () => {
  const cases: { name: string; annotations: Record<string, string> | undefined; paused: boolean }[] = [
    { name: 'the annotation "true" pauses', annotations: { 'agent.atomix.io/paused': 'true' }, paused: true },
    { name: '"false" does not', annotations: { 'agent.atomix.io/paused': 'false' }, paused: false },
    { name: 'nor "True" (only the exact word)', annotations: { 'agent.atomix.io/paused': 'True' }, paused: false },
    { name: 'nor another annotation', annotations: { 'paused': 'true' }, paused: false },
    { name: 'nor no annotations', annotations: undefined, paused: false },
  ];
  for (const { name, annotations, paused } of cases) {
    test(name, () => {
      assert.equal(isPaused(cluster(annotations)), paused);
    });
  }
});

describe('pausedStatus', () => {
  const paused = { 'agent.atomix.io/paused': 'true' };

  test('keeps the status and its other conditions, and replaces Progressing by Paused, from now when it was True', () => {
    const status = pausedStatus(cluster(paused, [condition('Ready', 'True', 'AllGroupsReady'), condition('Progressing', 'True', 'RollingUpdate')]), NOW);
    assert.deepEqual(status, {
      readyGroups: '2/2',
      conditions: [
        condition('Ready', 'True', 'AllGroupsReady'),
        { type: 'Progressing', status: 'False', reason: 'Paused', message: MESSAGE, lastTransitionTime: NOW.toISOString(), observedGeneration: 4 },
      ],
    });
  });

  test('keeps the transition time of a Progressing that was False already', () => {
    const status = pausedStatus(cluster(paused, [condition('Progressing', 'False', 'Converged')]), NOW);
    assert.deepEqual(status.conditions, [{ type: 'Progressing', status: 'False', reason: 'Paused', message: MESSAGE, lastTransitionTime: EARLIER, observedGeneration: 4 }]);
  });

  test('adds Progressing to a cluster without status, and no observedGeneration without a generation', () => {
    const status = pausedStatus(cluster(paused, undefined, null), NOW);
    assert.deepEqual(status, { conditions: [{ type: 'Progressing', status: 'False', reason: 'Paused', message: MESSAGE, lastTransitionTime: NOW.toISOString() }] });
  });

  test('once it says Paused it is left exactly as it is, whatever the generation', () => {
    const before = pausedStatus(cluster(paused, [condition('Ready', 'True', 'AllGroupsReady')]), NOW);
    const later = cluster(paused, before.conditions, 9);
    assert.equal(pausedStatus(later, new Date('2026-12-02T00:00:00Z')), later.status);
  });
});
