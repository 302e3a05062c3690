/**
 * Exact comparison of Kubernetes resource quantities ("1Gi" = "1024Mi", "0.5" = "500m", 2 = "2").
 * Values are kept as exact fractions so no floating-point rounding can make equal values differ.
 */
interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
/** Larger exponents are not realistic quantities; refusing them keeps BigInt work bounded. */
const MAX_EXPONENT = 100;

const BINARY_POWERS: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export function parseQuantity(value: string | number): Fraction | undefined {
  const match = QUANTITY.exec(String(value).trim());
  if (!match) return undefined;
  const [, sign = '', digits = '', suffix, exponentText] = match;
  const [whole = '', fraction = ''] = digits.split('.');
  let numerator = BigInt(`${sign}${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  let exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (suffix && suffix in BINARY_POWERS) numerator *= 1024n ** BigInt(BINARY_POWERS[suffix] ?? 0);
  else if (suffix) exponent += DECIMAL_EXPONENTS[suffix] ?? 0;
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

/** True when both parse as quantities of the same value; false otherwise (including unparsable input). */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  if (!left || !right) return false;
  return left.numerator * right.denominator === right.numerator * left.denominator;
}
