"""Credentials and transports: tokens, TLS, mutual TLS and dev mode's plaintext."""

import os

import grpc
import pytest

import loancore
from loancore.v1 import loan_service_pb2 as ls


def test_no_token_is_unauthenticated(address, tls):
    with loancore.connect(address, tls=tls) as anonymous:
        with pytest.raises(loancore.LoancoreError) as info:
            anonymous.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "missing credential" in info.value.message


def test_unknown_key_is_unauthenticated(address, tls):
    forged = "lck_0123456789abcdef_" + "A" * 43
    with loancore.connect(address, token=forged, tls=tls) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_policy_decides_what_a_role_may_call(viewer, loan_id, terms):
    with pytest.raises(loancore.LoancoreError) as info:
        viewer.loans.CreateLoan(loan_id=loan_id, borrower_id="B-PY", terms=terms())
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "CreateLoan" in info.value.message
    with pytest.raises(loancore.LoancoreError) as info:
        viewer.loans.GetLoan(loan_id=loan_id)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND, "a viewer may read"


def test_tls_checks_the_server_certificate(address):
    # The system's roots do not include the test CA: no connection, no call.
    with loancore.connect(address, token="anything", timeout=5) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls():
    address = os.environ["LOANCORE_TEST_MTLS_ADDRESS"]
    ca = os.environ["LOANCORE_TEST_CA_FILE"]
    certified = loancore.TLS(ca_file=ca, cert_file=os.environ["LOANCORE_TEST_CLIENT_CERT"],
                             key_file=os.environ["LOANCORE_TEST_CLIENT_KEY"])
    with loancore.connect(address, tls=certified) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
        assert info.value.code() == grpc.StatusCode.NOT_FOUND, "the certificate is a viewer: the call reached the handler"
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.RecordRepayment(loan_id="PY-nobody", amount="1", value_date="2026-02-05")
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with loancore.connect(address, tls=loancore.TLS(ca_file=ca), timeout=5) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE, "no client certificate, no handshake"


def test_tls_needs_cert_and_key_together():
    with pytest.raises(ValueError):
        loancore.connect("localhost:1", tls=loancore.TLS(cert_file="client.pem"))


def test_plaintext_in_dev_mode(loan_id, terms):
    with loancore.connect(os.environ["LOANCORE_TEST_DEV_ADDRESS"], plaintext=True) as dev:
        dev.loans.CreateLoan(loan_id=loan_id, borrower_id="B-PY", terms=terms())
        events = dev.loans.ListLoanEvents(loan_id=loan_id).events
    assert events[0].actor == "dev"


def test_a_token_over_loopback_plaintext():
    address = os.environ["LOANCORE_TEST_PLAINTEXT_ADDRESS"]
    with loancore.connect(address, token=os.environ["LOANCORE_TEST_VIEWER_TOKEN"], plaintext=True) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND, "the token was sent and taken"
    with loancore.connect(address, plaintext=True) as c:
        with pytest.raises(loancore.LoancoreError) as info:
            c.loans.GetLoan(loan_id="PY-nobody")
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("address", ["10.1.2.3:50051", "loancore.bank.example:50051", "[2001:db8::1]:50051"])
def test_plaintext_only_to_loopback(address):
    with pytest.raises(ValueError, match="loopback"):
        loancore.connect(address, token="secret", plaintext=True)


def test_plaintext_and_tls_are_exclusive():
    with pytest.raises(ValueError):
        loancore.connect("localhost:50051", plaintext=True, tls=loancore.TLS())


def test_on_behalf_of_is_recorded(address, tls, loan_id, terms):
    with loancore.connect(address, token=os.environ["LOANCORE_TEST_TOKEN"], tls=tls, on_behalf_of="customer-42") as channel:
        channel.loans.CreateLoan(ls.CreateLoanRequest(loan_id=loan_id, borrower_id="B-PY", terms=terms()))
        events = channel.loans.ListLoanEvents(loan_id=loan_id).events
    assert (events[0].actor, events[0].on_behalf_of) == ("py-servicer", "customer-42")
