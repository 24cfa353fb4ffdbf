"""EventFeedService.SubscribeEvents through the client: catch-up, resume and follow."""

import threading
from decimal import Decimal

import grpc
import pytest

import loancore
from loancore import parse_amount
from loancore.v1 import event_feed_service_pb2 as feed
from loancore.v1 import loan_service_pb2 as ls


def next_event(stream):
    """The stream's next event, past checkpoints."""
    while True:
        response = next(stream)
        if response.HasField("event"):
            return response.event


def catch_up(client, **request):
    """Every event SubscribeEvents sends with stop_at_head, in order."""
    stream = client.events.SubscribeEvents(feed.SubscribeEventsRequest(stop_at_head=True, **request), timeout=30)
    events = []
    while True:
        try:
            events.append(next_event(stream))
        except StopIteration:
            return events


def book_and_pay(client, loan_id, terms):
    """Create the README's loan and pay two installments; return its log and the payments' request ids."""
    client.loans.CreateLoan(ls.CreateLoanRequest(loan_id=loan_id, borrower_id="B-PY", terms=terms()))
    paid = []
    for due in ("2026-02-05", "2026-03-05"):
        request = ls.RecordRepaymentRequest(loan_id=loan_id, amount="2105.52", value_date=due)
        client.loans.RecordRepayment(request)
        paid.append(request.request_id)
    return client.loans.ListLoanEvents(loan_id=loan_id).events, paid


def test_subscribe_catches_up_in_position_order(client, loan_id, terms):
    log, paid = book_and_pay(client, loan_id, terms)
    events = [e for e in catch_up(client, loan_ids=[loan_id]) if e.HasField("loan_event")]
    positions = [e.position for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions), positions
    assert [e.event_id for e in events] == [f"{loan_id}/{e.seq}" for e in log]
    assert [int(e.kind) for e in events] == [int(e.kind) for e in log], "a log event's feed kind has its LoanEventKind's number"
    assert {e.loan_id for e in events} == {loan_id}
    repayments = [e for e in events if e.kind == feed.FEED_EVENT_KIND_REPAYMENT]
    assert [(e.request_id, parse_amount(e.amount), e.actor) for e in repayments] == [
        (paid[0], Decimal("2105.52"), "py-servicer"), (paid[1], Decimal("2105.52"), "py-servicer")]
    assert [e.value_date for e in repayments] == ["2026-02-05", "2026-03-05"]

    # Resuming after the first event sends the rest, the same events.
    resumed = [e for e in catch_up(client, loan_ids=[loan_id], after_position=positions[0]) if e.HasField("loan_event")]
    assert [(e.position, e.event_id) for e in resumed] == [(e.position, e.event_id) for e in events[1:]]


def test_subscribe_follows_new_events(client, loan_id, terms):
    log, _ = book_and_pay(client, loan_id, terms)
    with client.events.SubscribeEvents(loan_ids=[loan_id], kinds=[feed.FEED_EVENT_KIND_REPAYMENT], timeout=30) as stream:
        seen = [next_event(stream), next_event(stream)]
        assert [e.event_id for e in seen] == [f"{loan_id}/{e.seq}" for e in log if e.kind == ls.LOAN_EVENT_KIND_REPAYMENT]
        # The stream stays open: a payment made now arrives on it.
        request = ls.RecordRepaymentRequest(loan_id=loan_id, amount="100.00", value_date="2026-03-20")
        payer = threading.Thread(target=client.loans.RecordRepayment, args=(request,))
        payer.start()
        new = next_event(stream)
        payer.join()
        assert (new.request_id, parse_amount(new.amount), new.kind) == (request.request_id, Decimal("100"), feed.FEED_EVENT_KIND_REPAYMENT)
        assert new.position > seen[-1].position
        stream.cancel()
        with pytest.raises(loancore.LoancoreError) as info:
            next_event(stream)
        assert info.value.code() == grpc.StatusCode.CANCELLED
