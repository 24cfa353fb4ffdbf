"""The client against a real loand with authentication on: the calls a servicing team makes."""

import datetime
from decimal import Decimal

import grpc
import pytest

import loancore
from loancore import format_amount, format_date, parse_amount, parse_date
from loancore.v1 import close_of_business_service_pb2 as cob
from loancore.v1 import loan_service_pb2 as ls

INSTALLMENT = Decimal("2105.52")  # the README loan's monthly installment


def create(client, loan_id, terms, **overrides):
    """Create the README's loan under loan_id and return CreateLoan's answer."""
    return client.loans.CreateLoan(ls.CreateLoanRequest(loan_id=loan_id, borrower_id="B-PY", terms=terms(**overrides)))


def test_create_pay_and_read_as_of(client, loan_id, terms):
    request = ls.CreateLoanRequest(loan_id=loan_id, borrower_id="B-PY", terms=terms())
    loan = client.loans.CreateLoan(request).loan
    assert len(request.request_id) == 36, "connect's client fills an empty request_id in the caller's message"
    first = loan.installments[0]
    assert parse_amount(first.interest_due) == Decimal("192.00")
    assert parse_amount(first.principal_due) + parse_amount(first.interest_due) == INSTALLMENT
    assert parse_date(first.due_date) == datetime.date(2026, 2, 5)

    for due in (datetime.date(2026, 2, 5), datetime.date(2026, 3, 5)):
        paid = client.loans.RecordRepayment(loan_id=loan_id, amount=format_amount(INSTALLMENT), value_date=format_date(due))
    statuses = [i.status for i in paid.loan.installments[:3]]
    assert statuses[:2] == [ls.INSTALLMENT_STATUS_PAID] * 2

    # As of 2026-04-10 the third installment is 5 days late: 3.90 of penalty.
    late = client.loans.GetLoan(loan_id=loan_id, as_of=format_date(datetime.date(2026, 4, 10))).loan
    assert parse_date(late.as_of) == datetime.date(2026, 4, 10)
    assert late.days_past_due == 5
    assert late.delinquency_bucket == ls.DELINQUENCY_BUCKET_M1
    assert parse_amount(late.outstanding.penalty) == Decimal("3.90")
    # And as of the day after the second payment, nothing is late.
    on_time = client.loans.GetLoan(loan_id=loan_id, as_of="2026-03-06").loan
    assert on_time.days_past_due == 0 and parse_amount(on_time.outstanding.penalty) == Decimal("0")


def test_close_of_business_stream(client, loan_id, terms):
    create(client, loan_id, terms)
    progress = list(client.close_of_business.RunCloseOfBusiness(business_date="2026-04-10"))
    assert progress, "RunCloseOfBusiness streamed nothing"
    last = progress[-1].run
    assert last.business_date == "2026-04-10"
    assert last.status == cob.CLOSE_OF_BUSINESS_STATUS_COMPLETED
    assert last.loans_total >= 1 and last.loans_done == last.loans_total and last.failures == 0

    # An error in the middle of a stream is a LoancoreError too, reason decoded.
    with pytest.raises(loancore.LoancoreError) as info:
        list(client.close_of_business.RunCloseOfBusiness(business_date="2026-04-09"))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert info.value.reason == "COB_OUT_OF_ORDER"


def test_bad_request_names_the_fields(client, loan_id, terms):
    request = ls.CreateLoanRequest(loan_id=loan_id, borrower_id="B-PY",
                                   terms=terms(installment_count=0, disbursement_date="2024-02-30"))
    with pytest.raises(loancore.LoancoreError) as info:
        client.loans.CreateLoan(request)
    err = info.value
    assert isinstance(err, grpc.RpcError), "existing `except grpc.RpcError` handlers still catch it"
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(err.field_violations) == {"terms.installment_count", "terms.disbursement_date"}
    assert "between 1 and" in err.field_violations["terms.installment_count"]
    assert err.request_id == request.request_id
    named = str(err).split(":", 1)[0]
    assert named.startswith("INVALID_ARGUMENT (") and "terms.installment_count" in named and "terms.disbursement_date" in named
    assert err.reason is None and err.preconditions == ()

    create(client, loan_id, terms)
    with pytest.raises(loancore.LoancoreError) as info:
        client.loans.RecordRepayment(loan_id=loan_id, amount="12.3.4", value_date="2026-02-05")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(info.value.field_violations) == ["amount"]


def test_precondition_failure_has_its_reason(client, loan_id, terms):
    create(client, loan_id, terms)
    with pytest.raises(loancore.LoancoreError) as info:
        client.loans.RecordRepayment(loan_id=loan_id, amount="100000", value_date="2026-02-05")
    err = info.value
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert err.reason == "PAYMENT_EXCEEDS_PAYOFF"
    assert [(p.type, p.subject) for p in err.preconditions] == [("PAYMENT_EXCEEDS_PAYOFF", "loan")]
    assert str(err).startswith("FAILED_PRECONDITION (PAYMENT_EXCEEDS_PAYOFF): ")
    assert err.field_violations == {}


def test_retry_with_the_same_request_id(client, loan_id, terms):
    create(client, loan_id, terms)
    request = ls.RecordRepaymentRequest(loan_id=loan_id, amount=format_amount(INSTALLMENT), value_date="2026-02-05")
    first = client.loans.RecordRepayment(request)
    request_id = request.request_id
    again = client.loans.RecordRepayment(request)  # the same message: the same id
    assert request.request_id == request_id
    assert again == first, "a retry returns the first answer"
    events = client.loans.ListLoanEvents(loan_id=loan_id).events
    repayments = [e for e in events if e.kind == ls.LOAN_EVENT_KIND_REPAYMENT]
    assert [(e.request_id, parse_amount(e.amount)) for e in repayments] == [(request_id, INSTALLMENT)]

    other = ls.RecordRepaymentRequest(request_id=request_id, loan_id=loan_id, amount="100", value_date="2026-02-05")
    with pytest.raises(loancore.LoancoreError) as info:
        client.loans.RecordRepayment(other)
    assert info.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_explicit_request_id_is_kept(client, loan_id, terms):
    request_id = loancore.new_request_id()
    request = ls.CreateLoanRequest(request_id=request_id, loan_id=loan_id, borrower_id="B-PY", terms=terms())
    client.loans.CreateLoan(request)
    assert request.request_id == request_id
    events = client.loans.ListLoanEvents(loan_id=loan_id).events
    assert events[0].request_id == request_id and events[0].actor == "py-servicer"
