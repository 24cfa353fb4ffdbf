"""loancore: a Python client for loand, loancore's gRPC loan servicing core.

The generated modules are loancore.v1.*_pb2 (messages) and
loancore.v1.*_pb2_grpc (stubs). This package adds a thin layer over them:

- connect(address, token=..., tls=TLS(...)) -> Client, whose services
  (loans, schedules, restructuring, close_of_business, approvals,
  events) send the bearer token on every call and fill empty request ids;
- new_request_id(), for requests a caller may need to retry;
- LoancoreError, the exception every refused call raises, with the
  status code, message, reason and field violations decoded;
- format_amount / parse_amount and format_date / parse_date: amounts as
  decimal.Decimal and dates as datetime.date, never floats.

See clients/python/README.md for a tour.
"""

from loancore.client import TLS, Client, Service, Stream, connect, new_request_id
from loancore.errors import LoancoreError, PreconditionViolation
from loancore.values import format_amount, format_date, parse_amount, parse_date

__all__ = [
    "TLS",
    "Client",
    "LoancoreError",
    "PreconditionViolation",
    "Service",
    "Stream",
    "connect",
    "format_amount",
    "format_date",
    "new_request_id",
    "parse_amount",
    "parse_date",
]
