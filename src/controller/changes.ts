// What one pass changed, reported as one Event per kind of change rather than one per object.

export type ChangeReason = 'Created' | 'Updated' | 'Deleted';

export interface Change {
  readonly reason: ChangeReason;
  readonly object: string;
}

export class Changes {
  private readonly byReason = new Map<ChangeReason, string[]>();

  add(change: Change): void {
    this.byReason.set(change.reason, [...(this.byReason.get(change.reason) ?? []), change.object]);
  }

  report(emit: (reason: string, message: string) => void): void {
    for (const [reason, objects] of this.byReason) emit(reason, `${reason.toLowerCase()} ${objects.join(', ')}`);
  }
}
