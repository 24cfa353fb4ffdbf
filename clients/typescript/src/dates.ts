/**
 * Dates (value dates, due dates, business dates) travel as
 * "YYYY-MM-DD" strings: calendar days with no time and no time zone. A JS
 * `Date` is an instant, and which day an instant falls on depends on the
 * zone, so these helpers name the zone where one matters.
 *
 * @module
 */

/**
 * True if s is "YYYY-MM-DD" and a real day of the Gregorian calendar
 * ("2024-02-29" is, "2026-02-29" and "2026-2-5" are not), as loand
 * requires.
 */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) {
    return false;
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC rolls 2026-02-29 over to March 1st; a real day round-trips.
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * The "YYYY-MM-DD" day that instant falls on in timeZone (an IANA name).
 * loand's business days are in its `--timezone`, Asia/Shanghai unless
 * set otherwise, so "today" for a value date is
 * `dateIn(new Date(), "Asia/Shanghai")`, not the machine's local day.
 */
export function dateIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}
