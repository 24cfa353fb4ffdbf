import { isIP } from "node:net";
import type { SecureClientSessionOptions } from "node:http2";
import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ApprovalService } from "./gen/loancore/v1/approval_service_pb.js";
import { CloseOfBusinessService } from "./gen/loancore/v1/close_of_business_service_pb.js";
import { EventFeedService } from "./gen/loancore/v1/event_feed_service_pb.js";
import { LoanService } from "./gen/loancore/v1/loan_service_pb.js";
import { RestructuringService } from "./gen/loancore/v1/restructuring_service_pb.js";
import { ScheduleService } from "./gen/loancore/v1/schedule_service_pb.js";
import { errorDetailsInterceptor } from "./errors.js";
import { requestIdInterceptor } from "./requestid.js";
import { createLoancoreClient } from "./streams.js";

/**
 * TLS settings for {@link connect}. Each value is PEM text (read the file
 * yourself: `readFileSync("ca.pem")`), not a path.
 */
export interface TLSOptions {
  /**
   * The CA bundle that signed loand's certificate. Omitted: Node.js's
   * bundled public roots.
   */
  ca?: string | Buffer;
  /** A client certificate, for mutual TLS (`loand --client-ca`). Needs `key`. */
  cert?: string | Buffer;
  /** The client certificate's private key. Needs `cert`. */
  key?: string | Buffer;
  /**
   * The name to check loand's certificate against, when it is not the
   * host of `address` (dialling an IP address of a server whose
   * certificate names it by DNS, say).
   */
  serverName?: string;
}

/** A bearer credential, or a function that returns the current one. */
export type TokenSource = string | (() => string | Promise<string>);

/** What {@link connect} needs. */
export interface ConnectOptions {
  /** loand's address, `host:port` (`[::1]:50051` for IPv6), no scheme. */
  address: string;
  /**
   * An API key (`loand apikey create` prints it) or a JWT, sent as
   * `authorization: Bearer …` on every call; a function is called before
   * every call, so a JWT can be refreshed. Omitted: no bearer, for a
   * client certificate alone or loand's dev mode.
   */
  token?: TokenSource;
  /**
   * TLS settings, or `false` for plaintext, which is allowed to a
   * loopback address only (as loand serves plaintext only there: `make
   * run`'s dev mode). Omitted: TLS with Node.js's public roots.
   */
  tls?: TLSOptions | false;
  /** Interceptors of your own, run inside this package's. */
  interceptors?: Interceptor[];
}

/**
 * A connection to loand: one client per service, sharing one HTTP/2
 * connection. Every call sends the token, fills an empty `request_id`
 * ({@link newRequestId}) and throws {@link LoancoreError}.
 */
export interface LoancoreClient {
  /** Loans: create, read, repay, reverse, waive, write off, quote payoff. */
  readonly loans: Client<typeof LoanService>;
  /** Schedule quotes and APRs, for loans that do not exist yet. */
  readonly schedules: Client<typeof ScheduleService>;
  /** Restructuring quotes and agreements. */
  readonly restructuring: Client<typeof RestructuringService>;
  /** Close of business, its runs, delinquent loans and notices. */
  readonly closeOfBusiness: Client<typeof CloseOfBusinessService>;
  /** The actions four-eyes holds: list, approve, reject. */
  readonly approvals: Client<typeof ApprovalService>;
  /** The event feed. */
  readonly events: Client<typeof EventFeedService>;
  /** The transport, for clients of your own: `createLoancoreClient(Service, transport)`. */
  readonly transport: Transport;
  /** Closes the connection; calls under way fail. */
  close(): void;
}

/**
 * Connects to loand over gRPC (HTTP/2), with TLS unless `tls: false`.
 * Nothing is dialled until the first call.
 *
 * @example
 * ```ts
 * const client = connect({
 *   address: "loancore.bank.example:50051",
 *   token: process.env.LOANCORE_TOKEN,
 *   tls: { ca: readFileSync("ca.pem") },
 * });
 * const { loan } = await client.loans.getLoan({ loanId: "LN-100" });
 * ```
 *
 * @throws TypeError for an address that is not `host:port`, plaintext
 *   to a host that is not loopback, or a client certificate without its
 *   key.
 */
export function connect(options: ConnectOptions): LoancoreClient {
  const { host, baseUrl } = parseAddress(options.address, options.tls !== false);
  if (options.tls === false && !isLoopback(host)) {
    throw new TypeError(
      `loancore: plaintext to ${host} refused: it would send credentials and loans in clear; ` +
        "give tls options (loand serves plaintext on loopback only)",
    );
  }
  const sessionManager = new Http2SessionManager(baseUrl, {}, nodeOptions(options.tls));
  const interceptors: Interceptor[] = [errorDetailsInterceptor, requestIdInterceptor];
  if (options.token !== undefined) {
    interceptors.push(bearerInterceptor(options.token));
  }
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors: [...interceptors, ...(options.interceptors ?? [])],
  });
  const client = <S extends DescService>(service: S): Client<S> => createLoancoreClient(service, transport);
  return {
    loans: client(LoanService),
    schedules: client(ScheduleService),
    restructuring: client(RestructuringService),
    closeOfBusiness: client(CloseOfBusinessService),
    approvals: client(ApprovalService),
    events: client(EventFeedService),
    transport,
    close: () => sessionManager.abort(),
  };
}

/**
 * An interceptor that sends `authorization: Bearer <token>` on every
 * call. {@link connect} installs it when given a token.
 */
export function bearerInterceptor(token: TokenSource): Interceptor {
  return (next) => async (req) => {
    const value = typeof token === "function" ? await token() : token;
    if (!value) {
      // An empty bearer would be refused as malformed; say so here, where
      // the caller can see which setting is empty.
      throw new TypeError("loancore: the token is empty");
    }
    req.header.set("authorization", `Bearer ${value}`);
    return next(req);
  };
}

/** nodeOptions turns TLSOptions into Node's http2.connect options. */
function nodeOptions(tls: TLSOptions | false | undefined): SecureClientSessionOptions {
  if (tls === false) {
    return {};
  }
  const t = tls ?? {};
  if ((t.cert === undefined) !== (t.key === undefined)) {
    throw new TypeError("loancore: tls.cert and tls.key go together (mutual TLS needs both)");
  }
  const out: SecureClientSessionOptions = {};
  if (t.ca !== undefined) out.ca = t.ca;
  if (t.cert !== undefined) out.cert = t.cert;
  if (t.key !== undefined) out.key = t.key;
  if (t.serverName !== undefined) out.servername = t.serverName;
  return out;
}

/**
 * parseAddress checks that address is host:port and returns the host and
 * the URL the transport dials.
 */
function parseAddress(address: string, secure: boolean): { host: string; baseUrl: string } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s[\]@]+):(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new TypeError(`loancore: address ${JSON.stringify(address)} is not host:port`);
  }
  const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
  return { host, baseUrl: `${secure ? "https" : "http"}://${m[1]}:${m[2]}` };
}

/** isLoopback is true for localhost, 127.0.0.0/8 and ::1. */
function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
}
