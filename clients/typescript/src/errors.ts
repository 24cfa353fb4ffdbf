import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BadRequestSchema, PreconditionFailureSchema } from "./gen/google/rpc/error_details_pb.js";

/** brand marks a LoancoreError; see LoancoreError[Symbol.hasInstance]. */
const brand = Symbol.for("@loancore/client.LoancoreError");

/**
 * One violated precondition, as loand sends it in a
 * `google.rpc.PreconditionFailure`: `type` is the reason (for example
 * `QUOTE_STALE`), `subject` the aggregate refused (`loan`, `credit_line`,
 * `close_of_business`; `terms` for a quote's terms, `APR_ABOVE_MAXIMUM`),
 * `description` the sentence a person reads.
 */
export interface PreconditionViolation {
  /** The machine-readable reason, such as `QUOTE_STALE`. */
  readonly type: string;
  /** What the precondition is about, such as `loan`. */
  readonly subject: string;
  /** The explanation, in English. */
  readonly description: string;
}

/**
 * The error every call of a {@link LoancoreClient} throws: a
 * `ConnectError` (so `code`, `rawMessage` and `metadata` are there, and
 * `instanceof ConnectError` still holds) with loand's error details
 * decoded. Its `name` stays "ConnectError", as connect-es requires.
 *
 * - `INVALID_ARGUMENT` carries a `google.rpc.BadRequest`:
 *   {@link fieldViolations} maps each offending field's path (as the
 *   proto names it, e.g. `terms.principal`) to what is wrong with it.
 * - `FAILED_PRECONDITION` carries a `google.rpc.PreconditionFailure`:
 *   {@link reason} is its first violation's type (e.g. `QUOTE_STALE`),
 *   {@link preconditionViolations} all of them.
 * - `INTERNAL`, `UNAVAILABLE` and `RESOURCE_EXHAUSTED` from the server
 *   end with "(error id …)", the id of loand's log line:
 *   {@link errorId}, for a support ticket.
 *
 * @example
 * ```ts
 * try {
 *   await client.loans.recordRepayment({ loanId: "LN-1", amount: "-5", valueDate: "2026-02-05" });
 * } catch (e) {
 *   if (e instanceof LoancoreError && e.code === Code.InvalidArgument) {
 *     console.log(e.fieldViolations["amount"]);
 *   }
 * }
 * ```
 */
export class LoancoreError extends ConnectError {
  /**
   * Each field the server refused (from `google.rpc.BadRequest`), by its
   * path, to the description; several descriptions of one field are
   * joined with "; ". Empty when the error names no field.
   */
  readonly fieldViolations: Readonly<Record<string, string>>;
  /** The `google.rpc.PreconditionFailure` violations, in order. */
  readonly preconditionViolations: readonly PreconditionViolation[];
  /**
   * Why, as a stable machine-readable word: the first precondition
   * violation's type (loand sends no google.rpc.ErrorInfo, and the
   * vendored google.rpc protos predate it); undefined when the server
   * gave none.
   */
  readonly reason: string | undefined;
  /** The id of the server's log line for this error, when it gave one. */
  readonly errorId: string | undefined;
  /**
   * The request_id the call carried, when its request has one: resend
   * the same request with this id to retry it safely.
   */
  readonly requestId: string | undefined;

  /**
   * True for a LoancoreError, false for any other ConnectError.
   * ConnectError's own check is by shape, which every ConnectError has,
   * so this class brands its instances instead (with a registered symbol,
   * so two copies of this package still agree).
   */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[brand] === true;
  }

  /**
   * Wraps `cause`, keeping its code, message, metadata and raw details.
   * Use {@link toLoancoreError} rather than this constructor.
   */
  constructor(cause: ConnectError, requestId?: string) {
    super(cause.rawMessage, cause.code, cause.metadata, undefined, cause);
    // this.name stays "ConnectError": ConnectError's instanceof is a
    // duck-typed check that requires that name, and connect-es rewraps
    // (losing this class) any error it does not recognise as one.
    // The raw details stay available to findDetails() for detail types
    // this class does not decode.
    (this as { details: ConnectError["details"] }).details = cause.details;
    this.fieldViolations = decodeFieldViolations(cause);
    this.preconditionViolations = cause
      .findDetails(PreconditionFailureSchema)
      .flatMap((pf) => pf.violations)
      .map(({ type, subject, description }) => ({ type, subject, description }));
    this.reason = this.preconditionViolations[0]?.type || undefined;
    this.errorId = /\(error id ([0-9a-f]+)\)$/.exec(cause.rawMessage)?.[1];
    this.requestId = requestId || undefined;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** decodeFieldViolations flattens every BadRequest detail into one map. */
function decodeFieldViolations(err: ConnectError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const br of err.findDetails(BadRequestSchema)) {
    for (const v of br.fieldViolations) {
      const before = out[v.field];
      out[v.field] = before === undefined ? v.description : `${before}; ${v.description}`;
    }
  }
  return out;
}

/**
 * Turns anything a call threw into a {@link LoancoreError}: a
 * `ConnectError` keeps its code and details, anything else (a network
 * failure Node reports, say) becomes what `ConnectError.from` makes of
 * it. A `LoancoreError` is returned as it is.
 */
export function toLoancoreError(err: unknown, requestId?: string): LoancoreError {
  if (err instanceof LoancoreError) {
    return err;
  }
  return new LoancoreError(ConnectError.from(err), requestId);
}

/**
 * An interceptor that rethrows every error of a call, unary or
 * streaming, as a {@link LoancoreError}. {@link connect} installs it; add
 * it yourself to a transport you make.
 */
export const errorDetailsInterceptor: Interceptor = (next) => async (req) => {
  // The request id is read when an error comes, not before the call: an
  // interceptor nearer the transport may fill it in.
  const requestId = () => requestIdOf(req.message);
  let res;
  try {
    res = await next(req);
  } catch (e) {
    throw toLoancoreError(e, requestId());
  }
  if (!res.stream) {
    return res;
  }
  const messages = res.message;
  return {
    ...res,
    message: (async function* () {
      try {
        yield* messages;
      } catch (e) {
        throw toLoancoreError(e, requestId());
      }
    })(),
  };
};

/**
 * requestIdOf is the request_id of a unary request's message, if it has
 * one (a streaming request's message is an iterable and has none).
 */
function requestIdOf(message: unknown): string | undefined {
  const id = (message as { requestId?: unknown } | null)?.requestId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

export { Code, ConnectError };
