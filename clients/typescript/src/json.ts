/**
 * int64 fields (a loan's `version`, an event's `seq`, the feed's
 * `position`) are `bigint` in the generated types (protobuf-es v2), so
 * they are exact beyond 2^53. `JSON.stringify` throws a TypeError on a
 * bigint. Two ways out:
 *
 * - For a message, protobuf-es's `toJsonString(Schema, message)` (or
 *   `toJson`) writes the proto3 JSON mapping, the one grpcurl prints:
 *   camelCase names, enums by name, int64 as strings. `fromJson` reads
 *   it back.
 * - For anything else that holds bigints (a message inside your own
 *   object, say), {@link stringify}, or {@link bigintReplacer} with
 *   `JSON.stringify`, writes each bigint as a decimal string.
 *
 * @module
 */

/**
 * A `JSON.stringify` replacer that writes a bigint as its decimal string
 * (`12n` as `"12"`), as the proto3 JSON mapping writes int64.
 */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * `JSON.stringify` with {@link bigintReplacer}: safe for generated
 * messages and objects holding them. Field names are the generated ones
 * (camelCase) and enums are numbers, plus a `$typeName` on messages; for
 * the proto3 JSON mapping use `toJsonString(Schema, message)`.
 */
export function stringify(value: unknown, space?: string | number): string {
  return JSON.stringify(value, bigintReplacer, space);
}
