"""Fixtures of the suite: real loand processes, started by the Go test.

clients/python/client_test.go (run by `make test`, or alone with
`go test ./clients/python -run TestPythonClient -v`) builds loand, starts
it with TLS and API keys, with mutual TLS, and in dev mode, installs this
package and runs pytest with these variables:

LOANCORE_TEST_ADDRESS        TLS and API keys (authentication on)
LOANCORE_TEST_CA_FILE        the CA that signed every server's certificate
LOANCORE_TEST_TOKEN          an API key with the servicer, operator and subscriber roles
LOANCORE_TEST_VIEWER_TOKEN   an API key with the viewer role alone
LOANCORE_TEST_MTLS_ADDRESS   mutual TLS; the client certificate below is a viewer
LOANCORE_TEST_CLIENT_CERT    that certificate
LOANCORE_TEST_CLIENT_KEY     and its key
LOANCORE_TEST_PLAINTEXT_ADDRESS  plaintext on loopback, with the API keys above
LOANCORE_TEST_DEV_ADDRESS    dev mode: plaintext on loopback, no credentials

A test that needs a server fails, rather than skips, when they are unset.
"""

import datetime
import os
import uuid

import pytest

import loancore
from loancore.v1 import terms_pb2


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the suite through `go test ./clients/python -run TestPythonClient`", pytrace=False)
    return value


@pytest.fixture(scope="session")
def address() -> str:
    """The TLS and API keys server."""
    return _env("LOANCORE_TEST_ADDRESS")


@pytest.fixture(scope="session")
def tls() -> loancore.TLS:
    """Verifies every test server's certificate; presents none."""
    return loancore.TLS(ca_file=_env("LOANCORE_TEST_CA_FILE"))


@pytest.fixture(scope="session")
def client(address, tls):
    """A client with the servicer/operator/subscriber key."""
    with loancore.connect(address, token=_env("LOANCORE_TEST_TOKEN"), tls=tls) as c:
        yield c


@pytest.fixture(scope="session")
def viewer(address, tls):
    """A client with the viewer key."""
    with loancore.connect(address, token=_env("LOANCORE_TEST_VIEWER_TOKEN"), tls=tls) as c:
        yield c


@pytest.fixture
def loan_id() -> str:
    """A loan id no other test uses, so tests share a server and rerun freely."""
    return "PY-" + uuid.uuid4().hex[:12]


@pytest.fixture
def terms():
    """Makes LoanTerms: the README's loan (24,000 CNY at 9.6% over 12
    months, equal installments, disbursed 2026-01-05), with overrides."""
    return _terms


def _terms(**overrides) -> terms_pb2.LoanTerms:
    fields = dict(
        currency="CNY",
        principal=loancore.format_amount(24000),
        annual_rate_percent="9.6",
        installment_count=12,
        method=terms_pb2.REPAYMENT_METHOD_EQUAL_INSTALLMENT,
        disbursement_date=loancore.format_date(datetime.date(2026, 1, 5)),
        penalty=terms_pb2.PenaltyPolicy(),
    )
    fields.update(overrides)
    return terms_pb2.LoanTerms(**fields)
