// HOCON memory sizes as Atomix reads them (Typesafe Config's getMemorySize), in bytes: in
// JavaScript for the CLI and the renderer, and as a CEL expression for the API server, both
// from one table of units, so the two sides cannot disagree about what "64MB" is.

/** The units the schema's memory-size pattern admits: K, Ki, KiB are 1024; kB, MB, GB powers of ten. */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  K: 2 ** 10, k: 2 ** 10, Ki: 2 ** 10, KiB: 2 ** 10, kB: 1e3,
  M: 2 ** 20, m: 2 ** 20, Mi: 2 ** 20, MiB: 2 ** 20, MB: 1e6,
  G: 2 ** 30, g: 2 ** 30, Gi: 2 ** 30, GiB: 2 ** 30, GB: 1e9,
};

const MEMORY_SIZE = /^([0-9]+)([A-Za-z]*)$/;

/** Bytes of a memory size such as 64M; throws on text that is not one (the schema pattern reports it). */
export function memorySizeBytes(size: string): number {
  const [, digits = '', unit = ''] = MEMORY_SIZE.exec(size) ?? [];
  const factor = UNIT_BYTES[unit];
  if (digits === '' || factor === undefined) throw new Error(`not a memory size: ${JSON.stringify(size)}`);
  return Number(digits) * factor;
}

/**
 * The same as a CEL double expression over the string expression `self`. Longer units are tested
 * first (KiB before B). Doubles, because 16 digits times 2^30 overflows CEL's int64.
 */
export function memorySizeBytesCel(self: string): string {
  const units = Object.keys(UNIT_BYTES).filter((unit) => unit !== '').sort((a, b) => b.length - a.length);
  const factor = units.reduceRight((otherwise, unit) => `${self}.endsWith('${unit}') ? ${celDouble(UNIT_BYTES[unit] ?? 1)} : (${otherwise})`, '1.0');
  return `(double(int(${self}.find('^[0-9]+'))) * (${factor}))`;
}

const celDouble = (value: number) => `${String(value)}.0`;
