// Storage growth step by step, against claims in memory: each claim asked to grow, the wait until
// every volume has, then the StatefulSet deleted with its pods orphaned; a class that cannot
// expand reported (and not asked again for five minutes); any other claim change refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { AtomixClusterStatus, Condition } from '../../../src/api/schema.js';
import { EXPANSION_RECHECK_MS, StorageGrowth, withGrowthProgress } from '../../../src/controller/storage-growth.js';
import { startPass } from '../../../src/controller/pass.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import type { KubeObject } from '../../../src/render/index.js';
import { exampleCluster } from '../../support/manifests.js';

const STATEFULSET = 'c-raft';

interface Template {
  name?: string;
  size: string;
  storageClassName?: string;
}

const templates = (list: readonly Template[]) =>
  list.map(({ name = 'data', size, storageClassName }) => ({ metadata: { name }, spec: { ...(storageClassName ? { storageClassName } : {}), accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } }));

const desired = (list: readonly Template[], kind = 'StatefulSet'): KubeObject =>
  ({ apiVersion: 'apps/v1', kind, metadata: { name: STATEFULSET, namespace: 'ns', labels: {} }, spec: { volumeClaimTemplates: templates(list) } }) as unknown as KubeObject;

const live = (list: readonly Template[], replicas = 3): KubernetesObject =>
  ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: STATEFULSET, namespace: 'ns', uid: 'sts-uid' }, spec: { replicas, volumeClaimTemplates: templates(list) } }) as KubernetesObject;

/** Claims by name: the requested size and the capacity the driver has reached. */
function claim(name: string, requested: string, capacity: string): V1PersistentVolumeClaim {
  return { metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { storageClassName: 'fast', resources: { requests: { storage: requested } } }, status: { capacity: { storage: capacity } } };
}

/** StorageGrowth over claims in memory; `refusal`: the API server's answer to each resize (undefined: taken). */
function growth(claims: V1PersistentVolumeClaim[], refusal: () => Error | undefined = () => undefined) {
  const writes: string[] = [];
  const clock = { nowMs: 1_000_000 };
  const byName = new Map(claims.map((c) => [c.metadata?.name ?? '', c]));
  const storage = new StorageGrowth({
    writer: {
      readClaim: async (namespace: string, name: string) => (writes.push(`read ${namespace}/${name}`), byName.get(name)),
      resizeClaim: async (c: V1PersistentVolumeClaim, size: string) => {
        writes.push(`resize ${c.metadata?.name ?? ''} ${size}`);
        const error = refusal();
        if (error) throw error;
      },
      remove: async (object: KubernetesObject, propagation?: string) => void writes.push(`delete ${object.metadata?.name ?? ''} ${propagation ?? ''}`),
    } as never,
    now: () => new Date(clock.nowMs),
  });
  const pass = startPass('ns/c', exampleCluster(undefined, 'ns'), async () => false);
  return { storage, writes, clock, step: (d: KubeObject, l: KubernetesObject) => storage.step(pass, d, l) };
}

const claimName = (ordinal: number) => `data-${STATEFULSET}-${String(ordinal)}`;

describe('what is not growth', () => {
  const cases: { name: string; desired: KubeObject; live: KubernetesObject }[] = [
    { name: 'another kind', desired: desired([{ size: '2Gi' }], 'ConfigMap'), live: live([{ size: '1Gi' }]) },
    { name: 'the same claims', desired: desired([{ size: '1Gi' }]), live: live([{ size: '1Gi' }]) },
    { name: 'the same size in other words', desired: desired([{ size: '1024Mi' }]), live: live([{ size: '1Gi' }]) },
  ];
  for (const { name, desired: d, live: l } of cases) {
    test(`${name}: applied as usual`, async () => {
      const { step, writes } = growth([]);
      assert.equal(await step(d, l), undefined);
      assert.deepEqual(writes, []);
    });
  }
});

describe('changes that are refused', () => {
  const message =
    'StatefulSet c-raft: its volume claims can only grow in size, not shrink or change class (admission refuses such a change; this one was stored before that rule existed); restore the previous storage';
  const cases: { name: string; desired: Template[]; live: Template[] }[] = [
    { name: 'a smaller size', desired: [{ size: '1Gi' }], live: [{ size: '2Gi' }] },
    { name: 'another class', desired: [{ size: '1Gi', storageClassName: 'slow' }], live: [{ size: '1Gi', storageClassName: 'fast' }] },
    { name: 'another class and a larger size', desired: [{ size: '2Gi', storageClassName: 'slow' }], live: [{ size: '1Gi', storageClassName: 'fast' }] },
    { name: 'a claim more', desired: [{ size: '2Gi' }, { name: 'logs', size: '1Gi' }], live: [{ size: '1Gi' }] },
    { name: 'a claim more live', desired: [{ size: '2Gi' }], live: [{ size: '1Gi' }, { name: 'logs', size: '1Gi' }] },
    { name: 'claims added to a StatefulSet without any', desired: [{ size: '2Gi' }], live: [] },
    { name: 'a size that is no quantity', desired: [{ size: 'big' }], live: [{ size: '1Gi' }] },
  ];
  for (const { name, desired: d, live: l } of cases) {
    test(name, async () => {
      const { step, writes } = growth([]);
      assert.deepEqual(await step(desired(d), live(l)), { problem: { reason: 'StorageImmutable', message, terminal: true } });
      assert.deepEqual(writes, []);
    });
  }
});

describe('growing', () => {
  const grow = [desired([{ size: '2Gi' }]), live([{ size: '1Gi' }])] as const;

  test('asks each smaller claim to grow and waits for the volumes', async () => {
    const { step, writes } = growth([claim(claimName(0), '1Gi', '1Gi'), claim(claimName(1), '2Gi', '1Gi'), claim(claimName(2), '1Gi', '1Gi')]);
    assert.deepEqual(await step(...grow), {
      changes: [
        { reason: 'Updated', object: `PersistentVolumeClaim ${claimName(0)} (2Gi)` },
        { reason: 'Updated', object: `PersistentVolumeClaim ${claimName(2)} (2Gi)` },
      ],
      wrote: true,
      retryInMs: 2_000,
      progress: 'StatefulSet c-raft: 0/3 volumes grown to 2Gi',
    });
    assert.deepEqual(writes, [`read ns/${claimName(0)}`, `resize ${claimName(0)} 2Gi`, `read ns/${claimName(1)}`, `read ns/${claimName(2)}`, `resize ${claimName(2)} 2Gi`]);
  });

  test('counts the volumes grown (capacity at least the size) and missing claims, and writes nothing while it waits', async () => {
    const { step, writes } = growth([claim(claimName(0), '2Gi', '2Gi'), claim(claimName(1), '2Gi', '1Gi'), claim(claimName(2), '2Gi', '3Gi')]);
    assert.deepEqual(await step(...grow), { changes: [], wrote: false, retryInMs: 2_000, progress: 'StatefulSet c-raft: 2/3 volumes grown to 2Gi' });
    assert.ok(writes.every((write) => write.startsWith('read')));
  });

  test('a claim without a capacity has not grown', async () => {
    const pending = claim(claimName(0), '2Gi', '1Gi');
    delete pending.status;
    const { step } = growth([pending]);
    assert.equal((await step(desired([{ size: '2Gi' }]), live([{ size: '1Gi' }], 1)))?.progress, 'StatefulSet c-raft: 0/1 volumes grown to 2Gi');
  });

  test('once every volume has grown, deletes the StatefulSet orphaning its pods', async () => {
    const { step, writes } = growth([claim(claimName(0), '2Gi', '2Gi'), claim(claimName(1), '2Gi', '2Gi')]);
    assert.deepEqual(await step(desired([{ size: '2Gi' }]), live([{ size: '1Gi' }], 3)), {
      changes: [{ reason: 'Deleted', object: 'StatefulSet c-raft (orphaning its pods, to recreate it with 2Gi volume claims)' }],
      wrote: true,
      retryInMs: 2_000,
      progress: 'StatefulSet c-raft: volumes grown to 2Gi; recreating the StatefulSet, its pods keep running',
    });
    assert.equal(writes.at(-1), 'delete c-raft Orphan', 'the third claim does not exist: its StatefulSet makes it from the new template');
  });

  test('the claims are named after the template, the StatefulSet and each ordinal', async () => {
    const { step, writes } = growth([]);
    await step(desired([{ name: 'store', size: '2Gi' }]), live([{ name: 'store', size: '1Gi' }], 2));
    assert.deepEqual(writes.slice(0, 2), ['read ns/store-c-raft-0', 'read ns/store-c-raft-1']);
  });

  test('a StatefulSet without replicas has no claims to grow', async () => {
    const { step, writes } = growth([]);
    const zero = live([{ size: '1Gi' }]);
    delete (zero as { spec: { replicas?: number } }).spec.replicas;
    await step(desired([{ size: '2Gi' }]), zero);
    assert.deepEqual(writes, ['delete c-raft Orphan']);
  });
});

describe('a class that cannot expand', () => {
  const forbidden = () => new KubeApiError(403, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize', 'Forbidden');
  const grow = [desired([{ size: '2Gi' }]), live([{ size: '1Gi' }])] as const;
  const advice =
    'The group runs on as it was; set allowVolumeExpansion: true on the StorageClass (the operator tries again every 5 minutes), or move the data to a group with a new name on a class that can expand';

  test('is reported at the first claim, nothing changed', async () => {
    const { step } = growth([claim(claimName(0), '1Gi', '1Gi')], forbidden);
    assert.deepEqual(await step(...grow), {
      problem: {
        reason: 'StorageExpansionRefused',
        message: `PersistentVolumeClaim ${claimName(0)} cannot grow to 2Gi (StorageClass fast): ${forbidden().message}; nothing was changed. ${advice}`,
        terminal: true,
      },
      changes: [],
      wrote: true,
      retryInMs: EXPANSION_RECHECK_MS,
    });
  });

  test('after claims that grew, says they did; a claim of the default class says so', async () => {
    let resizes = 0;
    const refuseSecond = () => (++resizes === 2 ? forbidden() : undefined);
    const second = claim(claimName(1), '1Gi', '1Gi');
    delete second.spec?.storageClassName;
    const { step } = growth([claim(claimName(0), '1Gi', '1Gi'), second], refuseSecond);
    const result = await step(...grow);
    assert.equal(
      result?.problem?.message,
      `PersistentVolumeClaim ${claimName(1)} cannot grow to 2Gi (StorageClass (default)): ${forbidden().message}; the claims before it were grown, the StatefulSet was left as it was. ${advice}`,
    );
    assert.deepEqual(result.changes, [{ reason: 'Updated', object: `PersistentVolumeClaim ${claimName(0)} (2Gi)` }]);
  });

  test('is not asked again for five minutes, then is', async () => {
    const { step, writes, clock } = growth([claim(claimName(0), '1Gi', '1Gi')], forbidden);
    await step(...grow);
    clock.nowMs += EXPANSION_RECHECK_MS - 1;
    const again = await step(...grow);
    assert.equal(again?.problem?.reason, 'StorageExpansionRefused');
    assert.equal(writes.filter((write) => write.startsWith('resize')).length, 1);
    clock.nowMs += 1;
    await step(...grow);
    assert.equal(writes.filter((write) => write.startsWith('resize')).length, 2);
  });

  test('an invalid request (422) is reported too; other failures pass on', async () => {
    const invalid = growth([claim(claimName(0), '1Gi', '1Gi')], () => new KubeApiError(422, 'spec.resources: Forbidden'));
    assert.equal((await invalid.step(...grow))?.problem?.reason, 'StorageExpansionRefused');
    const broken = growth([claim(claimName(0), '1Gi', '1Gi')], () => new KubeApiError(500, 'etcd timeout'));
    await assert.rejects(broken.step(...grow), { message: 'etcd timeout' });
  });
});

describe('withGrowthProgress', () => {
  const NOW = new Date('2026-12-01T12:00:00.000Z');
  const EARLIER = '2026-12-01T09:00:00.000Z';
  const progressing = (status: 'True' | 'False', reason: string): Condition => ({ type: 'Progressing', status, reason, message: 'm', lastTransitionTime: EARLIER, observedGeneration: 2 });
  const ready: Condition = { type: 'Ready', status: 'True', reason: 'AllGroupsReady', message: 'm', lastTransitionTime: EARLIER };
  const status = (conditions: Condition[]): AtomixClusterStatus => ({ readyGroups: '2/2', conditions });

  test('Progressing says StorageGrowth with every step, in place', () => {
    const before = status([ready, progressing('False', 'Converged')]);
    assert.deepEqual(withGrowthProgress(before, before.conditions, ['StatefulSet a: 1/3 volumes grown to 2Gi', 'StatefulSet b: 0/3 volumes grown to 2Gi'], NOW), {
      readyGroups: '2/2',
      conditions: [
        ready,
        { type: 'Progressing', status: 'True', reason: 'StorageGrowth', message: 'StatefulSet a: 1/3 volumes grown to 2Gi; StatefulSet b: 0/3 volumes grown to 2Gi', observedGeneration: 2, lastTransitionTime: NOW.toISOString() },
      ],
    });
  });

  test('keeps the transition time when Progressing was True before', () => {
    const before = status([progressing('True', 'StorageGrowth')]);
    assert.equal(withGrowthProgress(before, before.conditions, ['x'], NOW).conditions?.[0]?.lastTransitionTime, EARLIER);
  });

  const unchanged: { name: string; status: AtomixClusterStatus; progress: string[] }[] = [
    { name: 'no growth under way', status: status([progressing('False', 'Converged')]), progress: [] },
    { name: 'a problem blocks the pass', status: status([progressing('False', 'Blocked')]), progress: ['x'] },
    { name: 'no Progressing to replace', status: status([ready]), progress: ['x'] },
    { name: 'no conditions', status: { readyGroups: '0/2' }, progress: ['x'] },
  ];
  for (const { name, status: s, progress } of unchanged) {
    test(`leaves the status alone when ${name}`, () => {
      assert.equal(withGrowthProgress(s, undefined, progress, NOW), s);
    });
  }
});
