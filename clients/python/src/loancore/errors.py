"""loancore's errors as a Python exception that names what went wrong.

loand answers a refused call with a gRPC status and, in its
grpc-status-details-bin trailer, a google.rpc.Status whose details say
why (internal/grpcapi/status.go):

- INVALID_ARGUMENT carries a google.rpc.BadRequest: one field violation
  per bad field ("terms.installment_count", "amount", ...).
- FAILED_PRECONDITION carries a google.rpc.PreconditionFailure with one
  violation: its type is the stable reason (LOAN_PAID_OFF, QUOTE_STALE,
  ...), its subject the aggregate refused ("loan", "credit_line",
  "close_of_business"; "terms" for a quote's terms), its description the
  message.
- Every other code carries the message alone.

LoancoreError decodes that once, so callers branch on err.reason or read
err.field_violations instead of parsing messages.

Where google.rpc's Python modules come from: googleapis-common-protos'
google.rpc package when it is installed, else the copy generated from
proto/google/rpc into loancore._vendor. Both register the same proto
files (google/rpc/status.proto, ...) in protobuf's process-wide
descriptor pool, and two differing copies cannot be registered at once:
importing the second raises TypeError. Using the installed one when there
is one means loancore never fights another library for those names.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Sequence, Tuple

import grpc

try:
    from google.rpc import error_details_pb2, status_pb2
except ImportError:  # no googleapis-common-protos: loancore's own copy
    from loancore._vendor.google.rpc import error_details_pb2, status_pb2

__all__ = ["LoancoreError", "PreconditionViolation", "error_details_pb2", "status_pb2"]

# The trailer in which gRPC carries a google.rpc.Status, serialized.
_STATUS_DETAILS_KEY = "grpc-status-details-bin"


@dataclasses.dataclass(frozen=True)
class PreconditionViolation:
    """One violation of a google.rpc.PreconditionFailure.

    For loand, type is the reason (LOAN_PAID_OFF, ...), subject the
    aggregate refused ("loan", "credit_line" or "close_of_business"; "terms"
    for a quote's terms, APR_ABOVE_MAXIMUM) and description the human
    message.
    """

    type: str
    subject: str
    description: str


class LoancoreError(grpc.RpcError):
    """A call that loand refused, or that failed on the way.

    A subclass of grpc.RpcError, so existing ``except grpc.RpcError``
    handlers still catch it, with grpc.Call's code(), details() and
    trailing_metadata(). Beyond those:

    - message: the status message (the same as details()).
    - reason: the stable reason of a FAILED_PRECONDITION (its
      PreconditionFailure's violation type), or an ErrorInfo's reason when
      the details carry one; None otherwise.
    - field_violations: {field: description} from a google.rpc.BadRequest,
      empty when there is none. A field named twice has its descriptions
      joined with "; ".
    - preconditions: every PreconditionFailure violation, in order.
    - status: the decoded google.rpc.Status, or None if loand sent none.
    - request_id: the request_id of the request that failed, when it had
      one: resending the same request with it is a safe retry.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        status: Optional[status_pb2.Status] = None,
        trailing_metadata: Sequence[Tuple[str, object]] = (),
        request_id: Optional[str] = None,
    ) -> None:
        self._code = code
        self.message = message
        self.status = status
        self._trailing_metadata = tuple(trailing_metadata)
        self.request_id = request_id
        self.field_violations: Dict[str, str] = {}
        self.preconditions: Tuple[PreconditionViolation, ...] = ()
        self.reason: Optional[str] = None
        if status is not None:
            self._decode_details(status)
        super().__init__(str(self))

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError, request_id: Optional[str] = None) -> "LoancoreError":
        """Decode the grpc.RpcError a stub raised (already a LoancoreError: returned as is)."""
        if isinstance(err, LoancoreError):
            return err
        # A grpc.RpcError raised by a call is also a grpc.Call; one raised
        # elsewhere (channel set-up, say) may have none of these.
        code = _call(err, "code") or grpc.StatusCode.UNKNOWN
        message = _call(err, "details") or str(err)
        metadata = _call(err, "trailing_metadata") or ()
        status = None
        for key, value in metadata:
            if key == _STATUS_DETAILS_KEY:
                status = status_pb2.Status.FromString(value)
        return cls(code, message, status=status, trailing_metadata=metadata, request_id=request_id)

    def code(self) -> grpc.StatusCode:
        """The gRPC status code, as grpc.Call.code() returns it."""
        return self._code

    def details(self) -> str:
        """The status message, as grpc.Call.details() returns it."""
        return self.message

    def trailing_metadata(self) -> Tuple[Tuple[str, object], ...]:
        """The call's trailing metadata, grpc-status-details-bin included."""
        return self._trailing_metadata

    def __str__(self) -> str:
        """CODE (what it names): message, e.g. "FAILED_PRECONDITION (LOAN_PAID_OFF): the loan is paid off"."""
        names = list(self.field_violations)
        if self.reason and self.reason not in names:
            names.insert(0, self.reason)
        named = f" ({', '.join(names)})" if names else ""
        return f"{self._code.name}{named}: {self.message}"

    def __repr__(self) -> str:
        return f"LoancoreError({str(self)!r})"

    def _decode_details(self, status: status_pb2.Status) -> None:
        """Fill field_violations, preconditions and reason from the Status's details."""
        preconditions = []
        info_reason = None
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                for v in bad.field_violations:
                    seen = self.field_violations.get(v.field)
                    self.field_violations[v.field] = v.description if seen is None else f"{seen}; {v.description}"
            elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
                failure = error_details_pb2.PreconditionFailure()
                detail.Unpack(failure)
                preconditions.extend(PreconditionViolation(v.type, v.subject, v.description) for v in failure.violations)
            elif _ERROR_INFO is not None and detail.Is(_ERROR_INFO.DESCRIPTOR):
                info = _ERROR_INFO()
                detail.Unpack(info)
                info_reason = info.reason or None
        self.preconditions = tuple(preconditions)
        if info_reason:
            self.reason = info_reason
        elif preconditions:
            self.reason = preconditions[0].type or None


# google.rpc.ErrorInfo is newer than some copies of error_details.proto
# (the one vendored from Debian's package predates it); decode it where
# the module has it. loand itself sends none today.
_ERROR_INFO = getattr(error_details_pb2, "ErrorInfo", None)


def _call(obj: object, method: str):
    """obj.method() if obj has such a method, else None."""
    fn = getattr(obj, method, None)
    return fn() if callable(fn) else None
