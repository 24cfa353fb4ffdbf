// The helpers that need no server: decimal strings, dates, JSON with
// bigints.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addDecimals,
  bigintReplacer,
  compareDecimals,
  dateIn,
  fromMinorUnits,
  isDate,
  isDecimal,
  newRequestId,
  stringify,
  toMinorUnits,
} from "@loancore/client";

test("isDecimal takes loand's spelling only", () => {
  for (const s of ["0", "24000", "2105.52", "0.50", "-3.1"]) assert.ok(isDecimal(s), s);
  for (const s of ["", "1e3", "+1", " 1", "1.", ".5", "1,000", "NaN", "0x10"]) assert.ok(!isDecimal(s), s);
});

test("compareDecimals is exact", () => {
  assert.equal(compareDecimals("1.5", "1.50"), 0);
  assert.equal(compareDecimals("0.1", "0.10000000000000000001"), -1);
  // Beyond 2^53, where numbers lose the last digit.
  assert.equal(compareDecimals("9007199254740993", "9007199254740992"), 1);
  assert.equal(compareDecimals("-2", "1"), -1);
  assert.throws(() => compareDecimals("1e3", "1"), RangeError);
});

test("addDecimals keeps every digit", () => {
  assert.equal(addDecimals("0.1", "0.2"), "0.3");
  assert.equal(addDecimals("1913.52", "192.00"), "2105.52");
  assert.equal(addDecimals("1.50", "2"), "3.50");
  assert.equal(addDecimals("-0.05", "0.01"), "-0.04");
  assert.equal(addDecimals("9007199254740993", "0.01"), "9007199254740993.01");
  assert.equal(addDecimals(), "0");
});

test("minor units", () => {
  assert.equal(toMinorUnits("12.30", 2), 1230n);
  assert.equal(toMinorUnits("12", 2), 1200n);
  assert.equal(toMinorUnits("1.200", 2), 120n);
  assert.throws(() => toMinorUnits("1.234", 2), RangeError);
  assert.equal(fromMinorUnits(1230n, 2), "12.30");
  assert.equal(fromMinorUnits(5n, 2), "0.05");
  assert.equal(fromMinorUnits(-5n, 2), "-0.05");
  assert.equal(fromMinorUnits(7n, 0), "7");
});

test("isDate takes real days only", () => {
  for (const s of ["2026-01-05", "2024-02-29", "2026-12-31"]) assert.ok(isDate(s), s);
  for (const s of ["2026-02-29", "2026-13-01", "2026-2-5", "2026-01-05T00:00:00Z", "20260105"]) assert.ok(!isDate(s), s);
});

test("dateIn names the zone's day", () => {
  // 2026-01-04T20:00Z is already the 5th in Shanghai (UTC+8).
  const t = new Date("2026-01-04T20:00:00Z");
  assert.equal(dateIn(t, "Asia/Shanghai"), "2026-01-05");
  assert.equal(dateIn(t, "UTC"), "2026-01-04");
});

test("bigints in JSON", () => {
  const v = { version: 12345678901234567890n, amount: "1.00" };
  assert.throws(() => JSON.stringify(v), TypeError);
  assert.equal(stringify(v), '{"version":"12345678901234567890","amount":"1.00"}');
  assert.equal(JSON.stringify([1n], bigintReplacer), '["1"]');
});

test("newRequestId is unique", () => {
  const ids = new Set(Array.from({ length: 1000 }, newRequestId));
  assert.equal(ids.size, 1000);
  assert.ok([...ids].every((id) => id.length <= 64));
});
