// Storage growth. A StatefulSet's volumeClaimTemplates are immutable, so a larger storage.size
// is carried out in three steps, each safe to interrupt (every pass starts again from what it
// finds): expand each existing PersistentVolumeClaim in place (the API server refuses it when the
// claim's StorageClass has no allowVolumeExpansion: reported, nothing else done); wait until each
// claim's capacity has grown; then delete the StatefulSet with propagationPolicy Orphan, so its
// pods keep running, and let the next pass create it with the larger template, which adopts them
// (their template is unchanged, so they are not restarted). Any other claim change (a smaller
// size, another class) is refused at admission; one stored before that rule existed is reported.
import type { KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { AtomixClusterStatus, Condition } from '../api/schema.js';
import { CONDITION, mergeConditions } from './conditions.js';
import type { KubeObject } from '../render/index.js';
import { compareQuantities, parseQuantity } from '../kube/quantity.js';
import { needsApply } from '../kube/diff.js';
import { statusCodeOf } from '../kube/errors.js';
import type { Change } from './changes.js';
import type { Pass } from './pass.js';
import type { ReconcileDeps } from './reconcile.js';
import type { Problem } from './status.js';

/** While claims grow, the pass looks again this often (resizing is done by the storage driver, not watched here). */
const EXPANSION_POLL_MS = 2_000;
/** A class that refused expansion can be changed to allow it (no spec change tells): try again this rarely. */
export const EXPANSION_RECHECK_MS = 5 * 60_000;

/** What a pass did about a StatefulSet whose volume claims must change. */
export interface GrowthStep {
  readonly problem?: Problem;
  readonly changes?: Change[];
  /** Shown in Progressing while growth goes on. */
  readonly progress?: string;
  readonly retryInMs?: number;
  readonly wrote?: boolean;
}

interface ClaimTemplate {
  metadata?: { name?: string };
  spec?: { storageClassName?: string; resources?: { requests?: Record<string, string> } };
}

const templatesOf = (object: unknown): ClaimTemplate[] =>
  (object as { spec?: { volumeClaimTemplates?: ClaimTemplate[] } }).spec?.volumeClaimTemplates ?? [];
/** Claim templates as an object needsApply can compare (it compares whole objects). */
const claimsObject = (templates: ClaimTemplate[]) => ({ metadata: {}, spec: { volumeClaimTemplates: templates } });
const sizeOf = (claim: { spec?: { resources?: { requests?: Record<string, string> } } } | undefined) => claim?.spec?.resources?.requests?.['storage'];

function compare(a: string | undefined, b: string | undefined): number | undefined {
  const left = parseQuantity(a ?? '');
  const right = parseQuantity(b ?? '');
  return left === undefined || right === undefined ? undefined : compareQuantities(left, right);
}

/** The claim template of `desired` if it differs from `live`'s only by a larger size. */
function grownTemplate(desired: KubeObject, live: KubernetesObject): ClaimTemplate | undefined {
  const [wanted, ...moreWanted] = templatesOf(desired);
  const [existing, ...moreExisting] = templatesOf(live);
  if (!wanted || !existing || moreWanted.length > 0 || moreExisting.length > 0) return undefined;
  const sameButSize = { ...wanted, spec: { ...wanted.spec, resources: existing.spec?.resources } };
  if (needsApply(claimsObject([sameButSize]), claimsObject([existing]))) return undefined;
  return (compare(sizeOf(wanted), sizeOf(existing)) ?? 0) > 0 ? wanted : undefined;
}

function immutable(name: string): Problem {
  return {
    reason: 'StorageImmutable',
    message:
      `StatefulSet ${name}: its volume claims can only grow in size, not shrink or change class ` +
      '(admission refuses such a change; this one was stored before that rule existed); restore the previous storage',
    terminal: true,
  };
}

export class StorageGrowth {
  /** `claim uid/size` → when the API server refused it and why: not asked again before EXPANSION_RECHECK_MS. */
  private readonly refused = new Map<string, { at: number; refusal: string }>();

  constructor(private readonly deps: Pick<ReconcileDeps, 'writer' | 'now'>) {}

  /** Undefined when `desired` asks for no change of volume claims: the StatefulSet is applied as usual. */
  async step(pass: Pass, desired: KubeObject, live: KubernetesObject): Promise<GrowthStep | undefined> {
    if (desired.kind !== 'StatefulSet') return undefined;
    if (!needsApply(claimsObject(templatesOf(desired)), claimsObject(templatesOf(live)))) return undefined;
    const name = desired.metadata.name;
    const template = grownTemplate(desired, live);
    if (!template) return { problem: immutable(name) };
    const size = sizeOf(template) ?? '';
    const replicas = (live as { spec?: { replicas?: number } }).spec?.replicas ?? 0;
    const claimNames = Array.from({ length: replicas }, (_, ordinal) => `${template.metadata?.name ?? 'data'}-${name}-${ordinal}`);
    const changes: Change[] = [];
    let grown = 0;
    for (const claimName of claimNames) {
      const claim = await this.deps.writer.readClaim(desired.metadata.namespace, claimName);
      // No claim yet: the StatefulSet creates it from the new template.
      if (!claim) {
        grown++;
        continue;
      }
      if ((compare(sizeOf(claim), size) ?? 0) < 0) {
        const refusal = await this.expand(pass, claim, size);
        if (refusal) return { problem: expansionRefused(claim, size, refusal, changes.length === 0), changes, wrote: true, retryInMs: EXPANSION_RECHECK_MS };
        changes.push({ reason: 'Updated', object: `PersistentVolumeClaim ${claimName} (${size})` });
      }
      if ((compare(claim.status?.capacity?.['storage'], size) ?? -1) >= 0) grown++;
    }
    if (grown < claimNames.length) {
      return { changes, wrote: changes.length > 0, retryInMs: EXPANSION_POLL_MS, progress: `StatefulSet ${name}: ${grown}/${claimNames.length} volumes grown to ${size}` };
    }
    // Every volume has the new size: the StatefulSet goes, its pods stay, and the next pass creates it with the larger template.
    await pass.write(() => this.deps.writer.remove(live, 'Orphan'));
    return {
      changes: [...changes, { reason: 'Deleted', object: `StatefulSet ${name} (orphaning its pods, to recreate it with ${size} volume claims)` }],
      wrote: true,
      retryInMs: EXPANSION_POLL_MS,
      progress: `StatefulSet ${name}: volumes grown to ${size}; recreating the StatefulSet, its pods keep running`,
    };
  }

  /** Undefined when the API server took the larger request; its refusal otherwise (403: the class cannot expand; 422: not a valid request). */
  private async expand(pass: Pass, claim: V1PersistentVolumeClaim, size: string): Promise<string | undefined> {
    const key = `${claim.metadata?.uid ?? ''}/${size}`;
    const now = this.deps.now().getTime();
    const before = this.refused.get(key);
    if (before && now - before.at < EXPANSION_RECHECK_MS) return before.refusal;
    try {
      await pass.write(() => this.deps.writer.resizeClaim(claim, size));
      this.refused.delete(key);
      return undefined;
    } catch (error) {
      const code = statusCodeOf(error);
      if (code !== 403 && code !== 422) throw error;
      const refusal = error instanceof Error ? error.message : String(error);
      this.refused.set(key, { at: now, refusal });
      return refusal;
    }
  }
}

function expansionRefused(claim: V1PersistentVolumeClaim, size: string, refusal: string, first: boolean): Problem {
  return {
    reason: 'StorageExpansionRefused',
    message:
      `PersistentVolumeClaim ${claim.metadata?.name ?? ''} cannot grow to ${size} (StorageClass ${claim.spec?.storageClassName ?? '(default)'}): ` +
      `${refusal}; ${first ? 'nothing was changed' : 'the claims before it were grown, the StatefulSet was left as it was'}. ` +
      `The group runs on as it was; set allowVolumeExpansion: true on the StorageClass (the operator tries again every ${String(EXPANSION_RECHECK_MS / 60_000)} minutes), ` +
      'or move the data to a group with a new name on a class that can expand',
    terminal: true,
  };
}

/** Progressing True (StorageGrowth) while volumes grow, unless a problem blocks the pass. */
export function withGrowthProgress(status: AtomixClusterStatus, previous: readonly Condition[] | undefined, progress: readonly string[], now: Date): AtomixClusterStatus {
  const conditions = status.conditions ?? [];
  const progressing = conditions.find((c) => c.type === CONDITION.progressing);
  if (progress.length === 0 || !progressing || progressing.reason === 'Blocked') return status;
  const [growing] = mergeConditions(
    previous,
    [{ type: CONDITION.progressing, status: 'True', reason: 'StorageGrowth', message: progress.join('; ') }],
    progressing.observedGeneration,
    now,
  );
  return { ...status, conditions: conditions.map((c) => (c === progressing && growing ? growing : c)) };
}
