// What Atomix 3.1 itself refuses or cannot run with, in the storage and compaction settings of
// a group, as rules checked at admission (CEL) and by the CLI and the controller (JavaScript).
// From the 3.1 sources (RaftStorage.Builder, SegmentedJournal.Builder, RaftStorageConfig,
// LogStorageConfig) and from booting real nodes with each boundary.
import type { Rule } from './rules.js';
import { memorySizeBytes, memorySizeBytesCel } from './memory-size.js';

/**
 * Atomix casts segmentSize and maxEntrySize to a Java int: 2 GiB becomes negative and the node
 * fails its start ("must be greater than 64", "must be positive"), and 4 GiB + 1 KiB would
 * silently become 1 KiB.
 */
const INT_LIMIT_BYTES = 2 ** 31;
/**
 * Atomix only checks maxEntrySize > 0 and segmentSize > 64 (its segment header). Real nodes need
 * more: with 16 bytes a node starts but no client can open a primitive (the session entry does
 * not fit), with 1 byte it never finishes starting. 1 KiB holds every entry Atomix writes itself.
 */
const MIN_ENTRY_BYTES = 1024;
const MIN_ENTRY = '1K';

/**
 * With level disk each log writer allocates a heap buffer of twice the largest entry and its
 * 8-byte header, sized in an int: from 1 GiB - 8 bytes on it overflows and the node never starts.
 */
const DISK_ENTRY_LIMIT_BYTES = 2 ** 30 - 8;

const bytesOf = memorySizeBytes;
/** A rule over memory sizes; a malformed size is the schema pattern's to report (the CLI skips rules that throw). */
const belowIntLimit = (field: string): Rule<string> => ({
  cel: `${memorySizeBytesCel('self')} < ${String(INT_LIMIT_BYTES)}.0`,
  message: `${field} must be below 2 GiB (2Gi = 2147483648 bytes): Atomix stores it in a 32-bit int`,
  holds: (size) => bytesOf(size) < INT_LIMIT_BYTES,
});

export const segmentSizeRules: Rule<string>[] = [belowIntLimit('segmentSize')];

export const entrySizeRules: Rule<string>[] = [
  {
    cel: `${memorySizeBytesCel('self')} >= ${String(MIN_ENTRY_BYTES)}.0`,
    message: `entrySize must be at least ${MIN_ENTRY}: Atomix's own log entries (a client's session names its primitive and configuration) do not fit in less, and nodes then never start or serve no client`,
    holds: (size) => bytesOf(size) >= MIN_ENTRY_BYTES,
  },
  belowIntLimit('entrySize'),
];

/** The API server also checks the rules against the object's default, {}, before its fields' defaults apply. */
const A_SIZE_UNSET = '!has(self.entrySize) || !has(self.segmentSize)';

/** On a storage object: a log segment must be able to hold the largest entry. */
export const storageRules: Rule<{ segmentSize: string; entrySize: string; level: string }>[] = [
  {
    cel: `${A_SIZE_UNSET} || ${memorySizeBytesCel('self.entrySize')} <= ${memorySizeBytesCel('self.segmentSize')}`,
    message: 'entrySize must not exceed segmentSize: an entry is written into one log segment',
    fieldPath: '.entrySize',
    holds: (storage) => bytesOf(storage.entrySize) <= bytesOf(storage.segmentSize),
  },
  {
    cel: `!has(self.level) || !has(self.entrySize) || self.level != 'disk' || ${memorySizeBytesCel('self.entrySize')} < ${String(DISK_ENTRY_LIMIT_BYTES)}.0`,
    message: `entrySize must be below ${String(DISK_ENTRY_LIMIT_BYTES)} bytes (1 GiB - 8) with level disk: Atomix sizes its write buffer, twice the largest entry, in a 32-bit int (level mapped allows up to 2 GiB)`,
    fieldPath: '.entrySize',
    holds: (storage) => storage.level !== 'disk' || bytesOf(storage.entrySize) < DISK_ENTRY_LIMIT_BYTES,
  },
];

/** RaftStorage.Builder: "freeDiskBuffer must be positive", "… must be less than 1". */
export const fractionRules = (field: string): Rule<number>[] => [
  {
    cel: 'self > 0.0 && self < 1.0',
    message: `${field} must be greater than 0 and less than 1 (a fraction of the disk or memory): Atomix refuses 0 and 1 at start`,
    holds: (fraction) => fraction > 0 && fraction < 1,
  },
];
