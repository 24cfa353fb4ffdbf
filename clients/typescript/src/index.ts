/**
 * @loancore/client: loancore's gRPC API for TypeScript on Node.js.
 *
 * - {@link connect} opens a connection with credentials and TLS and
 *   returns one client per service.
 * - Every call fills an empty `request_id` ({@link newRequestId}) and
 *   throws {@link LoancoreError}, with the server's field violations and
 *   precondition reasons decoded.
 * - Amounts are decimal strings (see {@link compareDecimals} and
 *   friends), dates "YYYY-MM-DD" strings ({@link isDate}), int64 fields
 *   bigint ({@link stringify} for JSON).
 * - The generated messages, enums and services of loancore.v1 are
 *   exported here too; google.rpc's are under
 *   "@loancore/client/gen/google/rpc/…_pb".
 *
 * @packageDocumentation
 */

export {
  connect,
  bearerInterceptor,
  type ConnectOptions,
  type LoancoreClient,
  type TLSOptions,
  type TokenSource,
} from "./connection.js";
export {
  Code,
  ConnectError,
  LoancoreError,
  errorDetailsInterceptor,
  toLoancoreError,
  type PreconditionViolation,
} from "./errors.js";
export { newRequestId, requestIdInterceptor } from "./requestid.js";
export { createLoancoreClient } from "./streams.js";
export { addDecimals, compareDecimals, fromMinorUnits, isDecimal, toMinorUnits } from "./amounts.js";
export { dateIn, isDate } from "./dates.js";
export { bigintReplacer, stringify } from "./json.js";
// protobuf-es's functions a caller needs most, so that code using this
// package needs no direct dependency of its own on the right version.
export { create, fromJson, fromJsonString, toJson, toJsonString } from "@bufbuild/protobuf";

export * from "./gen/loancore/v1/action_pb.js";
export * from "./gen/loancore/v1/approval_service_pb.js";
export * from "./gen/loancore/v1/close_of_business_service_pb.js";
export * from "./gen/loancore/v1/event_feed_service_pb.js";
export * from "./gen/loancore/v1/loan_service_pb.js";
export * from "./gen/loancore/v1/restructuring_service_pb.js";
export * from "./gen/loancore/v1/schedule_service_pb.js";
export * from "./gen/loancore/v1/terms_pb.js";
