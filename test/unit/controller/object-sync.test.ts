// ObjectSync, the step that brings the owned objects to the rendered ones, against an in-memory
// cache and a recording writer: the order and number of writes, what is reported, and what is
// left alone (objects held by others, objects being deleted, writes the cache has not shown yet).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { NAME_CONFLICT_RECHECK_MS, ObjectSync } from '../../../src/controller/object-sync.js';
import { NamespaceGone, type Pass } from '../../../src/controller/pass.js';
import { renderCluster, type KubeObject } from '../../../src/render/index.js';
import { withAppliedHash, withMetadata } from '../../../src/kube/hash.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { exampleCluster } from '../../support/manifests.js';

const UID = 'cluster-uid';
const KEY = 'default/example-atomixcluster';
const CACHE_LAG_MS = 20_000;
const CONFIG = 'ConfigMap/example-atomixcluster-raft-config';
const RAFT = 'StatefulSet/example-atomixcluster-raft';

type Live = KubernetesObject & { metadata: V1ObjectMeta; data?: Record<string, string> };
const idOf = (object: KubernetesObject) => `${object.kind ?? ''}/${object.metadata?.name ?? ''}`;

class Fixture {
  readonly cluster = exampleCluster();
  /** What the API server holds, by `Kind/name`. */
  readonly server = new Map<string, Live>();
  /** Ids the owned-object cache shows (as the server holds them); others are only on the server. */
  readonly cached = new Set<string>();
  readonly writes: string[] = [];
  readonly events: string[] = [];
  readonly failures = new Map<string, Error>();
  /** Ids whose object is gone by the time it is read (deleted right after a refused create). */
  readonly goneWhenRead = new Set<string>();
  nowMs = 1_000_000;
  private version = 10;
  readonly sync: ObjectSync;

  constructor() {
    this.cluster.metadata.uid = UID;
    this.sync = new ObjectSync(
      {
        owned: {
          get: (kind, _namespace, name) => (this.cached.has(`${kind}/${name}`) ? this.server.get(`${kind}/${name}`) : undefined),
          ownedBy: (uid) => [...this.cached].flatMap((id) => this.server.get(id) ?? []).filter((o) => o.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid)),
        },
        writer: {
          create: async (desired) => {
            this.record('create', desired);
            if (this.server.has(idOf(desired))) return { created: false };
            return { created: true, object: this.store(withAppliedHash(desired), `uid-${idOf(desired)}`) };
          },
          update: async (desired, live) => {
            this.record('apply', desired);
            return this.store(withAppliedHash(desired), live.metadata?.uid);
          },
          read: async (kind, _namespace, name) => (this.goneWhenRead.has(`${kind}/${name}`) ? undefined : this.server.get(`${kind}/${name}`)),
          remove: async (object) => {
            this.record('delete', object);
            this.server.delete(idOf(object));
            this.cached.delete(idOf(object));
          },
          readClaim: async () => undefined,
          resizeClaim: async () => undefined,
          writeStatus: async () => ({}),
        },
        events: {
          normal: (_cluster, reason, message) => this.events.push(`Normal ${reason} ${message}`),
          warning: (_cluster, reason, message) => this.events.push(`Warning ${reason} ${message}`),
        },
        fieldManager: 'atomix-operator',
        now: () => new Date(this.nowMs),
      },
      CACHE_LAG_MS,
    );
  }

  desired(): KubeObject[] {
    return renderCluster(this.cluster);
  }

  pass(write: Pass['write'] = (send) => send()): Pass {
    return { key: KEY, cluster: this.cluster, conflicts: new Set(), write };
  }

  run(desired = this.desired(), pass = this.pass()) {
    return this.sync.sync(pass, desired);
  }

  /** The caches catch up with the server. */
  catchUp(): void {
    for (const id of this.server.keys()) this.cached.add(id);
  }

  /** An object of a desired name put there by someone else (not controlled by the cluster). */
  foreign(id: string, cached: boolean, metadata: Partial<V1ObjectMeta> = {}): void {
    const [kind = '', name = ''] = id.split('/');
    this.server.set(id, { apiVersion: 'v1', kind, metadata: { name, namespace: 'default', uid: `foreign-${id}`, resourceVersion: this.nextVersion(), ...metadata } });
    if (cached) this.cached.add(id);
  }

  /** Someone else edits the live object in place (the applied hash stays). */
  edit(id: string, change: (object: Live) => void): void {
    const object = this.server.get(id);
    assert.ok(object, `${id} is on the server`);
    change(object);
    object.metadata.resourceVersion = this.nextVersion();
    object.metadata.managedFields = [{ manager: 'kubectl-edit', operation: 'Update', time: new Date(this.nowMs) }];
  }

  takeWrites(): string[] {
    return this.writes.splice(0);
  }

  private record(verb: string, object: KubernetesObject): void {
    const id = idOf(object);
    this.writes.push(`${verb} ${id}`);
    const failure = this.failures.get(`${verb} ${id}`);
    if (failure) throw failure;
  }

  private store(object: KubernetesObject, uid: string | undefined): Live {
    const stored = withMetadata(structuredClone(object), { uid, resourceVersion: this.nextVersion() }) as Live;
    this.server.set(idOf(object), stored);
    return stored;
  }

  private nextVersion(): string {
    return String(this.version++);
  }
}

const names = (desired: readonly KubeObject[]) => desired.map(idOf);

/** The clusters that wait for the raft group's ConfigMap name in `namespace` to be free. */
const waitingForConfig = (fixture: Fixture, namespace = 'default') =>
  fixture.sync.clustersWaitingFor({ kind: 'ConfigMap', metadata: { namespace, name: CONFIG.split('/')[1] ?? '' } });

/** Every rendered object created and shown by the caches; no writes pending. */
async function converged(): Promise<Fixture> {
  const fixture = new Fixture();
  await fixture.run();
  fixture.catchUp();
  fixture.takeWrites();
  return fixture;
}

describe('object sync: creating', () => {
  test('creates what the pods need first and the StatefulSets last, one write each, and reports each as Created', async () => {
    const fixture = new Fixture();
    const desired = fixture.desired();
    const report = await fixture.run(desired);
    const writes = fixture.takeWrites();
    assert.deepEqual([...writes].sort(), names(desired).map((id) => `create ${id}`).sort());
    const firstStatefulSet = writes.findIndex((write) => write.startsWith('create StatefulSet/'));
    assert.ok(writes.slice(firstStatefulSet).every((write) => write.startsWith('create StatefulSet/')), `StatefulSets last: ${writes.join(', ')}`);
    assert.deepEqual(
      [...report.changes].sort((a, b) => a.object.localeCompare(b.object)),
      desired.map((o) => ({ reason: 'Created', object: `${o.kind} ${o.metadata.name}` })).sort((a, b) => a.object.localeCompare(b.object)),
    );
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.progress, []);
    // The caches have not shown the new objects yet: look again when the writes stop being trusted.
    assert.equal(report.requeueAfterMs, CACHE_LAG_MS);
  });

  test('a pass before the caches show the created objects writes nothing; once they do, nothing either', async () => {
    const fixture = new Fixture();
    await fixture.run();
    fixture.takeWrites();
    fixture.nowMs += 1_000;
    const early = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), []);
    assert.deepEqual(early.changes, []);
    assert.equal(early.requeueAfterMs, CACHE_LAG_MS - 1_000);
    fixture.catchUp();
    const settled = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), []);
    assert.deepEqual(settled, { changes: [], problems: [], progress: [] });
  });

  test('a created object the caches never show is created again once the cache lag is over', async () => {
    const fixture = new Fixture();
    await fixture.run();
    fixture.takeWrites();
    fixture.server.delete(CONFIG);
    fixture.nowMs += CACHE_LAG_MS;
    await fixture.run();
    assert.ok(fixture.takeWrites().includes(`create ${CONFIG}`));
  });

  test('in a namespace being deleted, the first refused write ends the pass: one request, no more', async () => {
    const fixture = new Fixture();
    const pass = fixture.pass(async (send) => {
      await send();
      throw new NamespaceGone();
    });
    await assert.rejects(fixture.run(fixture.desired(), pass), NamespaceGone);
    assert.equal(fixture.takeWrites().length, 1);
  });

  test('a refused create is ApplyFailed, with a Warning naming the object and the reason; the other objects are still created', async () => {
    const fixture = new Fixture();
    fixture.failures.set(`create ${CONFIG}`, new KubeApiError(403, 'configmaps is forbidden', 'Forbidden'));
    const desired = fixture.desired();
    const report = await fixture.run(desired);
    const message = 'applying ConfigMap example-atomixcluster-raft-config failed: configmaps is forbidden';
    assert.deepEqual(report.problems, [{ reason: 'ApplyFailed', message }]);
    assert.deepEqual(fixture.events, [`Warning ApplyFailed ${message}`]);
    assert.equal(report.changes.length, desired.length - 1);
  });
});

describe('object sync: names held by someone else', () => {
  test('a cached object of the name, not the cluster\'s, is a terminal NameConflict; the StatefulSet mounting it is held back', async () => {
    const fixture = new Fixture();
    fixture.foreign(CONFIG, true, { ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'someone', uid: 'other', controller: true }] });
    const pass = fixture.pass();
    const report = await fixture.run(fixture.desired(), pass);
    const writes = fixture.takeWrites();
    assert.ok(!writes.includes(`create ${CONFIG}`) && !writes.includes(`apply ${CONFIG}`), 'the foreign object is not written');
    assert.ok(!writes.includes(`create ${RAFT}`), 'the StatefulSet that mounts it is not created');
    assert.deepEqual(report.problems, [
      {
        reason: 'NameConflict',
        message: 'ConfigMap example-atomixcluster-raft-config already exists, controlled by Other someone; the operator leaves it alone and takes the name once it is gone (or rename the cluster or group)',
        terminal: true,
      },
      {
        reason: 'NameConflict',
        message: 'StatefulSet example-atomixcluster-raft is not applied while ConfigMap example-atomixcluster-raft-config is held by someone else',
        terminal: true,
      },
    ]);
    assert.deepEqual([...pass.conflicts], ['ConfigMap/example-atomixcluster-raft-config']);
    assert.equal(report.requeueAfterMs, Math.min(NAME_CONFLICT_RECHECK_MS, CACHE_LAG_MS));
    assert.deepEqual(waitingForConfig(fixture), [KEY]);
    assert.deepEqual(waitingForConfig(fixture, 'other'), []);
  });

  test('a name taken by an object the caches do not show: one create, refused, then it is read and reported with its field managers', async () => {
    const fixture = new Fixture();
    fixture.foreign(CONFIG, false, { managedFields: [{ manager: 'helm', operation: 'Apply' }] });
    const report = await fixture.run();
    assert.equal(fixture.takeWrites().filter((write) => write.endsWith(CONFIG)).length, 1);
    assert.match(report.problems[0]?.message ?? '', /^ConfigMap example-atomixcluster-raft-config already exists, managed by "helm"; /);
    // Looked at again first, by reading: no refused create every pass.
    fixture.catchUp();
    fixture.cached.delete(CONFIG);
    fixture.nowMs += CACHE_LAG_MS;
    const again = await fixture.run();
    assert.deepEqual(fixture.takeWrites().filter((write) => write.endsWith(CONFIG)), []);
    assert.equal(again.problems[0]?.reason, 'NameConflict');
  });

  test('once the name is free, the next pass creates the object and stops waiting for it', async () => {
    const fixture = new Fixture();
    fixture.foreign(CONFIG, false);
    await fixture.run();
    fixture.catchUp();
    fixture.server.delete(CONFIG);
    fixture.cached.delete(CONFIG);
    fixture.takeWrites();
    fixture.nowMs += CACHE_LAG_MS;
    const report = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), [`create ${CONFIG}`, `create ${RAFT}`]);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(waitingForConfig(fixture), []);
  });

  test('a refused create whose object is gone when read looks again in a second', async () => {
    const fixture = new Fixture();
    const desired = fixture.desired().filter((o) => idOf(o) === CONFIG);
    fixture.foreign(CONFIG, false);
    fixture.goneWhenRead.add(CONFIG);
    const report = await fixture.run(desired);
    assert.deepEqual(report, { changes: [], problems: [], progress: [], requeueAfterMs: 1_000 });
  });

  test('an uncached object of the name that is the cluster\'s own (its labels edited away) is applied back: Updated', async () => {
    const fixture = new Fixture();
    const desired = fixture.desired().filter((o) => idOf(o) === CONFIG);
    await fixture.run(desired);
    fixture.takeWrites();
    fixture.nowMs += CACHE_LAG_MS;
    const report = await fixture.run(desired);
    assert.deepEqual(fixture.takeWrites(), [`create ${CONFIG}`, `apply ${CONFIG}`]);
    assert.deepEqual(report.changes, [{ reason: 'Updated', object: 'ConfigMap example-atomixcluster-raft-config' }]);
  });

  test('forgetting a cluster stops it waiting for names', async () => {
    const fixture = new Fixture();
    fixture.foreign(CONFIG, true);
    await fixture.run();
    fixture.sync.forget(KEY);
    assert.deepEqual(waitingForConfig(fixture), []);
  });
});

describe('object sync: updating', () => {

  test('a changed spec is applied onto the live object: Updated, one write', async () => {
    const fixture = await converged();
    const group = fixture.cluster.spec.partitionGroups?.[0];
    assert.ok(group);
    Object.assign(group, { env: [{ name: 'JAVA_OPTS', value: '-Xmx256m' }] });
    const report = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), [`apply ${RAFT}`]);
    assert.deepEqual(report.changes.filter((c) => c.object === 'StatefulSet example-atomixcluster-raft'), [{ reason: 'Updated', object: 'StatefulSet example-atomixcluster-raft' }]);
  });

  test('an object being deleted is left to go', async () => {
    const fixture = await converged();
    fixture.edit(CONFIG, (object) => {
      object.metadata.deletionTimestamp = new Date(fixture.nowMs);
      object.data = {};
    });
    await fixture.run();
    assert.deepEqual(fixture.takeWrites(), []);
  });

  test('an object the cluster does not control, in the cache, is never written', async () => {
    const fixture = await converged();
    fixture.edit(CONFIG, (object) => {
      object.metadata.ownerReferences = [];
      object.data = {};
    });
    const report = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), []);
    assert.equal(report.problems[0]?.reason, 'NameConflict');
  });

  test('an edit by someone else is put back at once; a second one only after 5 s, with one Warning naming the client', async () => {
    const fixture = await converged();
    const edit = () => {
      fixture.edit(CONFIG, (object) => {
        object.data = { edited: 'yes' };
      });
    };
    edit();
    await fixture.run();
    assert.deepEqual(fixture.takeWrites(), [`apply ${CONFIG}`]);
    fixture.catchUp();
    edit();
    fixture.nowMs += 1_000;
    const held = await fixture.run();
    assert.deepEqual(fixture.takeWrites(), []);
    assert.equal(held.requeueAfterMs, 4_000);
    fixture.nowMs += 4_000;
    await fixture.run();
    assert.deepEqual(fixture.takeWrites(), [`apply ${CONFIG}`]);
    assert.deepEqual(fixture.events, [
      'Warning ExternalChanges ConfigMap example-atomixcluster-raft-config keeps being changed by field manager "kubectl-edit"; the operator restores it with a growing delay (up to 5 minutes). Change the AtomixCluster instead, or stop that client',
    ]);
  });

  /** A converged cluster whose ConfigMap someone edited, and whose restoring apply fails with `error`. */
  async function restoreFailingWith(error: Error) {
    const fixture = await converged();
    fixture.edit(CONFIG, (object) => {
      object.data = {};
    });
    fixture.failures.set(`apply ${CONFIG}`, error);
    return fixture.run();
  }

  test('an apply that finds the object replaced (uid precondition) looks again in a second, reporting nothing', async () => {
    const report = await restoreFailingWith(new KubeApiError(409, 'Precondition failed: UID in precondition: x, UID in object meta: y', 'Conflict'));
    assert.deepEqual(report, { changes: [], problems: [], progress: [], requeueAfterMs: 1_000 });
  });

  test('a refused apply is ApplyFailed, not Updated', async () => {
    const report = await restoreFailingWith(new KubeApiError(422, 'ConfigMap is invalid', 'Invalid'));
    assert.deepEqual(report.changes, []);
    assert.deepEqual(report.problems, [{ reason: 'ApplyFailed', message: 'applying ConfigMap example-atomixcluster-raft-config failed: ConfigMap is invalid' }]);
  });
});

describe('object sync: pruning', () => {
  async function withoutTheRaftGroup() {
    const fixture = await converged();
    const desired = fixture.desired().filter((o) => !o.metadata.name.startsWith('example-atomixcluster-raft'));
    const orphans = names(fixture.desired()).filter((id) => !names(desired).includes(id));
    return { fixture, desired, orphans };
  }

  test('what the cluster owns but no longer renders is deleted, once, and reported as Deleted', async () => {
    const { fixture, desired, orphans } = await withoutTheRaftGroup();
    assert.ok(orphans.includes(RAFT) && orphans.includes(CONFIG));
    const report = await fixture.run(desired);
    assert.deepEqual(fixture.takeWrites().sort(), orphans.map((id) => `delete ${id}`).sort());
    assert.deepEqual(report.changes.map((c) => `${c.reason} ${c.object}`).sort(), orphans.map((id) => `Deleted ${id.replace('/', ' ')}`).sort());
  });

  test('an orphan the cache still shows after its delete is not deleted again, nor one already being deleted', async () => {
    const { fixture, desired, orphans } = await withoutTheRaftGroup();
    const [first = '', ...rest] = orphans;
    // The caches still show every orphan after the deletes; the first is marked as being deleted.
    const kept = new Map(orphans.map((id) => [id, fixture.server.get(id)]));
    await fixture.run(desired);
    fixture.takeWrites();
    for (const [id, object] of kept) {
      if (!object) continue;
      fixture.server.set(id, object);
      fixture.cached.add(id);
    }
    const deleting = fixture.server.get(first);
    assert.ok(deleting);
    deleting.metadata.deletionTimestamp = new Date(fixture.nowMs);
    await fixture.run(desired);
    assert.deepEqual(fixture.takeWrites(), []);
    assert.ok(rest.length > 0);
  });

  test('objects of another cluster are not pruned', async () => {
    const { fixture, desired } = await withoutTheRaftGroup();
    for (const id of fixture.cached) {
      const object = fixture.server.get(id);
      if (object) object.metadata.ownerReferences = [{ apiVersion: 'agent.atomix.io/v1alpha1', kind: 'AtomixCluster', name: 'other', uid: 'other-uid', controller: true }];
    }
    await fixture.run(desired);
    assert.deepEqual(fixture.takeWrites().filter((write) => write.startsWith('delete')), []);
  });

  test('a refused delete is DeleteFailed, with a Warning', async () => {
    const { fixture, desired } = await withoutTheRaftGroup();
    fixture.failures.set(`delete ${RAFT}`, new Error('statefulsets is forbidden'));
    const report = await fixture.run(desired);
    const message = 'deleting StatefulSet example-atomixcluster-raft failed: statefulsets is forbidden';
    assert.deepEqual(report.problems, [{ reason: 'DeleteFailed', message }]);
    assert.deepEqual(fixture.events, [`Warning DeleteFailed ${message}`]);
  });

  test('a delete in a namespace being deleted ends the pass', async () => {
    const { fixture, desired } = await withoutTheRaftGroup();
    const pass = fixture.pass(async () => {
      throw new NamespaceGone();
    });
    await assert.rejects(fixture.run(desired, pass), NamespaceGone);
  });
});
