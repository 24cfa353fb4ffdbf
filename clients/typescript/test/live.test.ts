// The client against a real loand with authentication on (TLS, an API
// key; mutual TLS on a second loand), as clients/typescript_test.go starts
// them. The figures are the README tour's: 24,000 CNY at 9.6% over 12
// months, paid twice, read as of 2026-04-10.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  Code,
  ConnectError,
  CloseOfBusinessStatus,
  FeedEventKind,
  LoanEventKind,
  LoanSchema,
  LoancoreError,
  RecordRepaymentRequestSchema,
  RecordRepaymentResponseSchema,
  RepaymentMethod,
  addDecimals,
  compareDecimals,
  connect,
  create,
  newRequestId,
  stringify,
  toJsonString,
  type FeedEvent,
  type LoancoreClient,
} from "@loancore/client";
import { liveEnv, type LiveEnv } from "./env.js";

let env: LiveEnv;
let client: LoancoreClient;
// One loan per run, so that a rerun against the same loand still works.
const loanId = `TS-${Date.now().toString(36)}`;
// The request ids of the two repayments, which the feed test looks for.
const payIds: string[] = [];

before(() => {
  env = liveEnv();
  client = connect({ address: env.address, token: env.token, tls: { ca: env.ca } });
});
after(() => client?.close());

/** rejection awaits p, which must reject with a LoancoreError, and returns it. */
async function rejection(p: Promise<unknown>): Promise<LoancoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LoancoreError, `want a LoancoreError, got ${String(e)}`);
    assert.ok(e instanceof ConnectError, "a LoancoreError is a ConnectError too");
    return e;
  }
  assert.fail("the call succeeded; want an error");
}

describe("a loan's life", { concurrency: false }, () => {
  test("create a loan", async () => {
    const { loan } = await client.loans.createLoan({
      requestId: newRequestId(),
      loanId,
      borrowerId: "B-TS",
      terms: {
        currency: "CNY",
        principal: "24000",
        annualRatePercent: "9.6",
        installmentCount: 12,
        method: RepaymentMethod.EQUAL_INSTALLMENT,
        disbursementDate: "2026-01-05",
        penalty: {},
      },
    });
    assert.ok(loan);
    assert.equal(loan.loanId, loanId);
    assert.equal(loan.installments.length, 12);
    const first = loan.installments[0]!;
    // Amounts are strings, exact; int64 is bigint.
    assert.equal(first.interestDue, "192.00");
    assert.equal(first.principalDue, "1913.52");
    assert.equal(addDecimals(first.principalDue, first.interestDue), "2105.52");
    assert.equal(typeof loan.version, "bigint");
    // JSON.stringify would throw on the bigint; these do not.
    assert.match(stringify(loan), /"version":"\d+"/);
    assert.equal(JSON.parse(toJsonString(LoanSchema, loan)).loanId, loanId);
  });

  test("pay it, twice", async () => {
    for (const valueDate of ["2026-02-05", "2026-03-05"]) {
      const requestId = newRequestId();
      payIds.push(requestId);
      const res = await client.loans.recordRepayment({ requestId, loanId, amount: "2105.52", valueDate });
      const allocated = addDecimals(...res.allocations.map((a) => a.amount));
      assert.equal(compareDecimals(allocated, "2105.52"), 0, `allocated ${allocated}`);
      assert.ok(res.seq > 0n);
    }
  });

  test("read it as of a date", async () => {
    const { loan } = await client.loans.getLoan({ loanId, asOf: "2026-04-10" });
    assert.ok(loan?.outstanding);
    assert.equal(loan.asOf, "2026-04-10");
    assert.equal(loan.daysPastDue, 5);
    assert.equal(loan.outstanding.penalty, "3.90");
  });

  test("a retry with the same request_id gets the same answer and records one event", async () => {
    const req = { requestId: newRequestId(), loanId, amount: "100.00", valueDate: "2026-04-10" };
    const first = await client.loans.recordRepayment(req);
    const again = await client.loans.recordRepayment(req);
    assert.equal(
      toJsonString(RecordRepaymentResponseSchema, again),
      toJsonString(RecordRepaymentResponseSchema, first),
    );
    const { events } = await client.loans.listLoanEvents({ loanId });
    assert.equal(events.filter((e) => e.requestId === req.requestId).length, 1);
    payIds.push(req.requestId);
    // The same id with another body is a conflict, not a second payment.
    const e = await rejection(client.loans.recordRepayment({ ...req, amount: "200.00" }));
    assert.equal(e.code, Code.AlreadyExists);
    assert.equal(e.requestId, req.requestId);
  });

  test("an empty request_id is filled in, and written into a message made with create()", async () => {
    const req = create(RecordRepaymentRequestSchema, { loanId, amount: "1.00", valueDate: "2026-04-10" });
    assert.equal(req.requestId, "");
    const first = await client.loans.recordRepayment(req);
    assert.match(req.requestId, /^[0-9a-f-]{36}$/);
    payIds.push(req.requestId);
    // Resending the same message is therefore a safe retry.
    const again = await client.loans.recordRepayment(req);
    assert.equal(again.seq, first.seq);
  });

  test("run close of business and consume its stream", async () => {
    const runs = [];
    for await (const res of client.closeOfBusiness.runCloseOfBusiness({ businessDate: "2026-04-10" })) {
      assert.ok(res.run);
      runs.push(res.run);
    }
    assert.ok(runs.length >= 1);
    const last = runs.at(-1)!;
    assert.equal(last.businessDate, "2026-04-10");
    assert.equal(last.status, CloseOfBusinessStatus.COMPLETED);
    assert.equal(last.loansDone, last.loansTotal);
    assert.equal(last.failures, 0n);
    for (const r of runs) {
      assert.ok(r.businessDate <= "2026-04-10", `a run of ${r.businessDate}`);
    }
  });
});

describe("errors", () => {
  test("a BadRequest names the fields", async () => {
    const e = await rejection(
      client.loans.createLoan({
        requestId: newRequestId(),
        borrowerId: "B-TS",
        terms: { currency: "CNY", principal: "24000", annualRatePercent: "9.6", installmentCount: 12,
          method: RepaymentMethod.EQUAL_INSTALLMENT, disbursementDate: "2026-02-30", penalty: {} },
      }),
    );
    assert.equal(e.code, Code.InvalidArgument);
    assert.deepEqual(Object.keys(e.fieldViolations), ["terms.disbursement_date"]);
    assert.match(e.fieldViolations["terms.disbursement_date"]!, /not a calendar date/);
    assert.equal(e.reason, undefined);
  });

  test("a PreconditionFailure gives its reason", async () => {
    const e = await rejection(
      client.loans.recordRepayment({ requestId: newRequestId(), loanId, amount: "1000000", valueDate: "2026-04-10" }),
    );
    assert.equal(e.code, Code.FailedPrecondition);
    assert.equal(e.reason, "PAYMENT_EXCEEDS_PAYOFF");
    assert.equal(e.preconditionViolations[0]?.subject, "loan");
    assert.deepEqual(e.fieldViolations, {});
  });

  test("no token, or a bad one, is Unauthenticated", async () => {
    for (const token of [undefined, "lck_0000000000000000_notakey"]) {
      const anon = connect({ address: env.address, ...(token ? { token } : {}), tls: { ca: env.ca } });
      try {
        const e = await rejection(anon.loans.getLoan({ loanId }));
        assert.equal(e.code, Code.Unauthenticated, `token ${token}: ${e.message}`);
      } finally {
        anon.close();
      }
    }
  });

  test("TLS checks loand's certificate", async () => {
    // Without the test CA, Node's public roots do not trust loand.
    const untrusting = connect({ address: env.address, token: env.token });
    try {
      const e = await rejection(untrusting.loans.getLoan({ loanId }));
      // connect-node reports the failed handshake as INTERNAL, with
      // Node's reason.
      assert.match(e.message, /unable to verify the first certificate/);
    } finally {
      untrusting.close();
    }
  });

  test("plaintext is refused to a host that is not loopback", () => {
    assert.throws(() => connect({ address: "loancore.example:50051", tls: false }), TypeError);
    assert.throws(() => connect({ address: "http://127.0.0.1:50051", tls: false }), TypeError);
  });
});

describe("mutual TLS", () => {
  test("a client certificate is an identity", async () => {
    const teller = connect({
      address: env.mtlsAddress,
      tls: { ca: env.ca, cert: env.clientCert, key: env.clientKey },
    });
    try {
      // The policy gives the certificate the viewer role: reads pass
      // authentication and authorization (the loan is not on this loand)…
      const notFound = await rejection(teller.loans.getLoan({ loanId }));
      assert.equal(notFound.code, Code.NotFound, notFound.message);
      // …and writes are not the viewer's.
      const denied = await rejection(teller.loans.createLoan({ requestId: newRequestId(), borrowerId: "B" }));
      assert.equal(denied.code, Code.PermissionDenied, denied.message);
    } finally {
      teller.close();
    }
  });
});

describe("the event feed", () => {
  /** events reads the feed of this run's loan from the start until stop says so. */
  async function events(stopAtHead: boolean, stop: (got: FeedEvent[]) => boolean): Promise<FeedEvent[]> {
    const got: FeedEvent[] = [];
    const stream = client.events.subscribeEvents({ afterPosition: 0n, loanIds: [loanId], stopAtHead });
    for await (const res of stream) {
      if (res.event) {
        got.push(res.event);
      }
      if (stop(got)) {
        break; // ends the call: the client's stream aborts it on return()
      }
    }
    return got;
  }

  /** check asserts what the feed must hold for this run's loan. */
  function check(got: FeedEvent[]): void {
    for (let i = 1; i < got.length; i++) {
      assert.ok(got[i]!.position > got[i - 1]!.position, `positions ${got[i - 1]!.position}, ${got[i]!.position}`);
    }
    for (const e of got) {
      assert.equal(e.loanId, loanId);
      if (e.detail.case === "loanEvent") {
        assert.equal(e.eventId, `${loanId}/${e.detail.value.seq}`);
      }
    }
    assert.equal(got[0]?.kind, FeedEventKind.ORIGINATION);
    for (const id of payIds) {
      const paid = got.filter((e) => e.requestId === id);
      assert.equal(paid.length, 1, `events of request ${id}: ${stringify(paid)}`);
      assert.equal(paid[0]!.kind, FeedEventKind.REPAYMENT);
      assert.equal(paid[0]!.currency, "CNY");
    }
  }

  /** feedTest is a test of the event feed. */
  function feedTest(name: string, body: () => Promise<void>): void {
    test(name, body);
  }

  feedTest("stop_at_head: the loan's events, in position order", async () => {
    const got = await events(true, () => false);
    check(got);
    assert.equal(LoanEventKind.REPAYMENT as number, FeedEventKind.REPAYMENT as number);
  });

  feedTest("following the feed, then leaving the loop", async () => {
    // Following never ends by itself: break once the repayments are in.
    const got = await events(false, (g) => payIds.every((id) => g.some((e) => e.requestId === id)));
    check(got);
  });
});
