/**
 * Kubernetes resource quantities ("1Gi", "500m", "1e3", 2) as the API server reads them.
 *
 * A value is kept as an exact decimal, mantissa × 10^exponent, so no floating-point rounding can
 * make equal values differ, and "1e1000" costs no more than "1". The API server rounds every
 * value of a ResourceList (requests, limits, volume claim sizes) up to a multiple of 1m when it
 * stores it, so `quantitiesEqual` compares values in that canonical form: `cpu: 0.0000000001`
 * in the desired object equals the `1m` the server returns.
 */
export interface Quantity {
  /** Signed; binary suffixes are folded in (1Ki → 1024). */
  readonly mantissa: bigint;
  readonly exponent: number;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
/** The API server parses exponents as 32-bit integers; beyond that a string is not a quantity. */
const MAX_EXPONENT = 2 ** 31 - 1;
const MILLI_EXPONENT = -3;

const BINARY_POWERS: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export function parseQuantity(value: string | number): Quantity | undefined {
  const match = QUANTITY.exec(String(value).trim());
  if (!match) return undefined;
  const [, sign = '', digits = '', suffix, exponentText] = match;
  const [whole = '', fraction = ''] = digits.split('.');
  let mantissa = BigInt(`${sign === '-' ? '-' : ''}${whole || '0'}${fraction}`);
  let exponent = (exponentText === undefined ? 0 : Number(exponentText)) - fraction.length;
  if (Math.abs(Number(exponentText ?? 0)) > MAX_EXPONENT) return undefined;
  if (suffix && suffix in BINARY_POWERS) mantissa *= 1024n ** BigInt(BINARY_POWERS[suffix] ?? 0);
  else if (suffix) exponent += DECIMAL_EXPONENTS[suffix] ?? 0;
  return { mantissa, exponent };
}

const digitCount = (value: bigint): number => (value < 0n ? -value : value).toString().length;
const signOfBigint = (value: bigint): -1 | 0 | 1 => (value > 0n ? 1 : value < 0n ? -1 : 0);

export function quantitySign(quantity: Quantity): -1 | 0 | 1 {
  return signOfBigint(quantity.mantissa);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const signA = quantitySign(a);
  const signB = quantitySign(b);
  if (signA !== signB || signA === 0) return signA < signB ? -1 : signA > signB ? 1 : 0;
  // Same sign, both non-zero: the number of integer digits decides unless it is equal.
  const magnitudeA = digitCount(a.mantissa) + a.exponent;
  const magnitudeB = digitCount(b.mantissa) + b.exponent;
  if (magnitudeA !== magnitudeB) return (magnitudeA > magnitudeB ? signA : -signA) as -1 | 1;
  // Equal magnitudes: the exponents differ by less than the mantissas' lengths, so aligning is cheap.
  const exponent = Math.min(a.exponent, b.exponent);
  const aligned = (q: Quantity) => q.mantissa * 10n ** BigInt(q.exponent - exponent);
  return signOfBigint(aligned(a) - aligned(b));
}

/** The value rounded away from zero to a multiple of 1m, as the API server stores ResourceList values. */
function roundUpToMilli(quantity: Quantity): Quantity {
  if (quantity.exponent >= MILLI_EXPONENT || quantity.mantissa === 0n) return quantity;
  const shift = MILLI_EXPONENT - quantity.exponent;
  const sign = BigInt(quantitySign(quantity));
  const magnitude = quantity.mantissa * sign;
  if (shift > digitCount(magnitude)) return { mantissa: sign, exponent: MILLI_EXPONENT };
  const divisor = 10n ** BigInt(shift);
  const quotient = magnitude / divisor + (magnitude % divisor === 0n ? 0n : 1n);
  return { mantissa: sign * quotient, exponent: MILLI_EXPONENT };
}

/** True when both parse as quantities of the same canonical (1m-rounded) value; false otherwise, unparsable input included. */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  if (!left || !right) return false;
  return compareQuantities(roundUpToMilli(left), roundUpToMilli(right)) === 0;
}
