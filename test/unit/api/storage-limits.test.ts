// Atomix's own limits on storage and compaction at admission (atomix-limits.ts), at each
// boundary, on every kind of group that has storage, each refusal with its field and message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { refusals, verdict, type AdmissionCase } from './admission-table.js';

const segmentBelowInt = 'segmentSize must be below 2 GiB (2Gi = 2147483648 bytes): Atomix stores it in a 32-bit int';
const entryBelowInt = 'entrySize must be below 2 GiB (2Gi = 2147483648 bytes): Atomix stores it in a 32-bit int';
const entryAtLeast = /^entrySize must be at least 1K: /;
const entryInSegment = 'entrySize must not exceed segmentSize: an entry is written into one log segment';
const entryOnDisk = /^entrySize must be below 1073741816 bytes \(1 GiB - 8\) with level disk: /;
const fraction = (field: string) => `${field} must be greater than 0 and less than 1 (a fraction of the disk or memory): Atomix refuses 0 and 1 at start`;

const management = (storage: object) => ({ managementGroup: { storage } });
const raft = (raft: object) => ({ partitionGroups: [{ name: 'raft', raft }] });
const log = (storage: object) => ({ partitionGroups: [{ name: 'log', log: { storage } }] });

const M = 'spec.managementGroup.storage';
const R = 'spec.partitionGroups[0].raft';
const L = 'spec.partitionGroups[0].log.storage';

interface LimitCase extends Omit<AdmissionCase, 'refused'> {
  readonly refused: Readonly<Record<string, readonly (string | RegExp)[]>>;
}

const CASES: readonly LimitCase[] = [
  { name: 'segmentSize 2Gi - 1 byte', spec: management({ segmentSize: '2147483647', level: 'mapped' }), refused: {} },
  { name: 'segmentSize 2Gi', spec: management({ segmentSize: '2Gi' }), refused: { [`${M}.segmentSize`]: [segmentBelowInt] } },
  { name: 'segmentSize 2048M on a raft group', spec: raft({ storage: { segmentSize: '2048M' } }), refused: { [`${R}.storage.segmentSize`]: [segmentBelowInt] } },
  { name: 'segmentSize 2147MB (decimal, below 2Gi)', spec: log({ segmentSize: '2147MB' }), refused: {} },
  { name: 'segmentSize 2148MB (decimal, above 2Gi)', spec: log({ segmentSize: '2148MB' }), refused: { [`${L}.segmentSize`]: [segmentBelowInt] } },
  { name: 'entrySize 1024 bytes', spec: management({ entrySize: '1024' }), refused: {} },
  { name: 'entrySize 1023 bytes', spec: management({ entrySize: '1023' }), refused: { [`${M}.entrySize`]: [entryAtLeast] } },
  { name: 'entrySize 1kB (1000 bytes)', spec: log({ entrySize: '1kB' }), refused: { [`${L}.entrySize`]: [entryAtLeast] } },
  { name: 'entrySize 2Gi, mapped', spec: management({ entrySize: '2Gi', segmentSize: '2Gi', level: 'mapped' }), refused: { [`${M}.segmentSize`]: [segmentBelowInt], [`${M}.entrySize`]: [entryBelowInt] } },
  { name: 'entrySize equal to segmentSize', spec: management({ entrySize: '64M', segmentSize: '64MiB' }), refused: {} },
  { name: 'entrySize one byte above segmentSize', spec: management({ entrySize: '1025', segmentSize: '1K' }), refused: { [`${M}.entrySize`]: [entryInSegment] } },
  { name: 'the default entrySize (1M) above a small segmentSize', spec: log({ segmentSize: '512K' }), refused: { [`${L}.entrySize`]: [entryInSegment] } },
  { name: 'entrySize 1 GiB - 9 bytes on disk', spec: management({ entrySize: '1073741815', segmentSize: '1G' }), refused: {} },
  { name: 'entrySize 1 GiB - 8 bytes on disk', spec: management({ entrySize: '1073741816', segmentSize: '1G', level: 'disk' }), refused: { [`${M}.entrySize`]: [entryOnDisk] } },
  { name: 'entrySize 1 GiB - 8 bytes mapped', spec: management({ entrySize: '1073741816', segmentSize: '1G', level: 'mapped' }), refused: {} },
  { name: 'entrySize 1G on disk, above its segment too', spec: raft({ storage: { entrySize: '1G', segmentSize: '64M', level: 'disk' } }), refused: { [`${R}.storage.entrySize`]: [entryInSegment, entryOnDisk] } },
  { name: 'freeDiskBuffer 0', spec: raft({ compaction: { freeDiskBuffer: 0 } }), refused: { [`${R}.compaction.freeDiskBuffer`]: [fraction('freeDiskBuffer')] } },
  { name: 'freeDiskBuffer 1', spec: raft({ compaction: { freeDiskBuffer: 1 } }), refused: { [`${R}.compaction.freeDiskBuffer`]: [fraction('freeDiskBuffer')] } },
  { name: 'freeMemoryBuffer 0', spec: raft({ compaction: { freeMemoryBuffer: 0 } }), refused: { [`${R}.compaction.freeMemoryBuffer`]: [fraction('freeMemoryBuffer')] } },
  { name: 'freeMemoryBuffer 1.5', spec: raft({ compaction: { freeMemoryBuffer: 1.5 } }), refused: { [`${R}.compaction.freeMemoryBuffer`]: [fraction('freeMemoryBuffer')] } },
  { name: 'both fractions 0.5', spec: raft({ compaction: { freeDiskBuffer: 0.5, freeMemoryBuffer: 0.5 } }), refused: {} },
];

describe('Atomix storage and compaction limits', () => {
  for (const { name, spec, refused } of CASES) {
    test(`${name}: ${verdict(refused)}`, () => {
      const found = refusals(spec);
      assert.deepEqual(Object.keys(found).sort(), Object.keys(refused).sort());
      for (const [field, expected] of Object.entries(refused)) {
        const messages = found[field] ?? [];
        assert.equal(messages.length, expected.length, `${field}: ${JSON.stringify(messages)}`);
        expected.forEach((message, index) => {
          if (typeof message === 'string') assert.equal(messages[index], message, field);
          else assert.match(messages[index] ?? '', message, field);
        });
      }
    });
  }
});
