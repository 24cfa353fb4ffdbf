/**
 * Amounts, rates and percentages travel as decimal strings ("2105.52",
 * "9.6"), exact to the last digit: this package never turns them into
 * `number`, whose binary fractions cannot hold 0.1 and whose integers end
 * at 2^53. Keep them as strings; when you must compute, use these helpers
 * (bigint inside) or a decimal library of your choice, never
 * `parseFloat`.
 *
 * @module
 */

const decimalPattern = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * True if s is a plain decimal: an optional minus, digits, and optionally
 * a point and more digits ("0.50", "-3", "24000"). No exponent, no
 * spaces, no "+", no thousands separators: loand writes every amount this
 * way.
 */
export function isDecimal(s: string): boolean {
  return decimalPattern.test(s);
}

/** A decimal as an integer and a count of decimal places: 12.30 is 1230n, 2. */
interface Scaled {
  units: bigint;
  scale: number;
}

/** scaled parses s, throwing a RangeError for anything isDecimal refuses. */
function scaled(s: string): Scaled {
  const m = decimalPattern.exec(s);
  if (!m) {
    throw new RangeError(`loancore: ${JSON.stringify(s)} is not a decimal string`);
  }
  const frac = m[3] ?? "";
  const units = BigInt(m[2]! + frac);
  return { units: m[1] ? -units : units, scale: frac.length };
}

/** rescale gives a at scale (at least a.scale) by appending zeros. */
function rescale(a: Scaled, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

/**
 * Compares two decimal strings exactly: -1 if a < b, 0 if they are equal
 * ("1.5" and "1.50" are), 1 if a > b.
 *
 * @throws RangeError if either is not a decimal string.
 */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const x = scaled(a);
  const y = scaled(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * Adds decimal strings exactly; the sum has as many decimal places as the
 * most precise term ("0.1" + "0.2" is "0.3"; "1.50" + "2" is "3.50").
 * No terms: "0".
 *
 * @throws RangeError if a term is not a decimal string.
 */
export function addDecimals(...terms: string[]): string {
  const xs = terms.map(scaled);
  const scale = Math.max(0, ...xs.map((x) => x.scale));
  const sum = xs.reduce((acc, x) => acc + rescale(x, scale), 0n);
  return format(sum, scale);
}

/**
 * An amount in minor units (cents, fen): toMinorUnits("12.30", 2) is
 * 1230n. Trailing zeros beyond `decimals` are fine ("1.200"); a nonzero
 * digit there is not an amount of that currency and throws.
 *
 * @throws RangeError if amount is not a decimal string or is too precise.
 */
export function toMinorUnits(amount: string, decimals: number): bigint {
  const x = scaled(amount);
  if (x.scale <= decimals) {
    return rescale(x, decimals);
  }
  const div = 10n ** BigInt(x.scale - decimals);
  if (x.units % div !== 0n) {
    throw new RangeError(`loancore: ${amount} has more than ${decimals} decimal places`);
  }
  return x.units / div;
}

/** The decimal string of an amount in minor units: fromMinorUnits(1230n, 2) is "12.30". */
export function fromMinorUnits(minor: bigint, decimals: number): string {
  return format(minor, decimals);
}

/** format writes units × 10^-scale as a decimal string. */
function format(units: bigint, scale: number): string {
  const sign = units < 0n ? "-" : "";
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  if (scale === 0) {
    return sign + digits;
  }
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
