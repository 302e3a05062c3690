// Defaults that a schema default cannot express because they depend on another
// field. Everything else is defaulted by the schema (schema.ts).
import type { PartitionGroupSpec } from './schema.js';

/** A group has one partition per node unless it says otherwise (as the 2019 operator did). */
export function partitionsOf(group: Pick<PartitionGroupSpec, 'size' | 'partitions'>): number {
  return group.partitions ?? group.size;
}
