"""Connecting to loand: credentials, request ids and errors on every call.

    import loancore
    from loancore.v1 import loan_service_pb2 as loans

    with loancore.connect("loancore.bank.example:50051", token=key,
                          tls=loancore.TLS(ca_file="ca.pem")) as lc:
        loan = lc.loans.GetLoan(loans.GetLoanRequest(loan_id="LN-100")).loan

The client's services (loans, schedules, restructuring,
close_of_business, approvals, events) have the methods of the generated
stubs, by the same names, with three differences: a request with an
empty request_id gets a new one (new_request_id) before it is sent; a
refused call raises LoancoreError instead of a bare grpc.RpcError; and
unary calls have a default deadline.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from typing import Any, Iterator, Optional, Sequence, Tuple

import grpc
from google.protobuf import symbol_database

from loancore.errors import LoancoreError
from loancore.v1 import (
    approval_service_pb2,
    approval_service_pb2_grpc,
    close_of_business_service_pb2,
    close_of_business_service_pb2_grpc,
    event_feed_service_pb2,
    event_feed_service_pb2_grpc,
    loan_service_pb2,
    loan_service_pb2_grpc,
    restructuring_service_pb2,
    restructuring_service_pb2_grpc,
    schedule_service_pb2,
    schedule_service_pb2_grpc,
)

__all__ = ["TLS", "Client", "Service", "Stream", "connect", "new_request_id"]

# loand refuses a request id over 64 bytes; a UUID is 36.
_REQUEST_ID_FIELD = "request_id"


def new_request_id() -> str:
    """Return a new random request id (a UUID4).

    loancore answers a repeated request_id with the same body by returning
    the first answer and writing nothing, so a client that keeps the id of
    a call whose answer it lost (a timeout, a dropped connection) can send
    the same request again safely. Keep the id with the work it belongs
    to: a new id is a new payment.
    """
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class TLS:
    """How to check loand's certificate, and which one to present.

    ca_file: PEM file of the CAs that sign loand's certificate; None for
    the system's roots. cert_file and key_file (both or neither): this
    client's certificate and key, for a loand that requires mutual TLS
    (--client-ca). server_name: the name to verify in loand's certificate,
    when it is not the host of the address dialled.
    """

    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    server_name: Optional[str] = None

    def credentials(self) -> grpc.ChannelCredentials:
        """The grpc channel credentials these settings make."""
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("TLS: cert_file and key_file go together")
        return grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca_file),
            private_key=_read(self.key_file),
            certificate_chain=_read(self.cert_file),
        )


def connect(
    address: str,
    token: Optional[str] = None,
    tls: Optional[TLS] = None,
    *,
    plaintext: bool = False,
    timeout: Optional[float] = 30.0,
    on_behalf_of: Optional[str] = None,
    options: Sequence[Tuple[str, Any]] = (),
) -> "Client":
    """Open a client to loand at address ("host:port").

    token: a bearer credential (an API key from `loand apikey create`, or
    a JWT), sent as "authorization: Bearer <token>" on every call.

    tls: how to verify loand and, for mutual TLS, which certificate to
    present (TLS); None verifies against the system's roots. TLS is the
    default: plaintext=True is for a loand in dev mode on this machine
    (`make run`), and is refused for an address that is not loopback, so
    that a token can never cross a network in clear.

    timeout: the deadline in seconds for each unary call that is not given
    one (loand applies 30 s itself); streams have none unless given one,
    since the event feed follows new events until cancelled.

    on_behalf_of: the end user this caller acts for, sent as
    x-on-behalf-of and recorded beside the actor (only roles the policy
    allows may send it).

    options: extra grpc channel options.
    """
    options = list(options)
    if plaintext:
        if tls is not None:
            raise ValueError("connect: plaintext and tls are exclusive")
        if not _is_loopback(address):
            raise ValueError(f"connect: plaintext only to a loopback address, not {address!r}")
        # Local credentials are plaintext HTTP/2 that grpc only lets onto
        # a loopback connection, and unlike an insecure channel they may
        # carry a token.
        creds = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    else:
        tls = tls or TLS()
        creds = tls.credentials()
        if tls.server_name:
            options.append(("grpc.ssl_target_name_override", tls.server_name))
    if token:
        creds = grpc.composite_channel_credentials(creds, grpc.access_token_call_credentials(token))
    channel = grpc.secure_channel(address, creds, options=options)
    metadata = (("x-on-behalf-of", on_behalf_of),) if on_behalf_of else ()
    return Client(channel, timeout=timeout, metadata=metadata)


class Client:
    """A connection to loand and its services.

    Attributes, each a Service with the generated stub's methods: loans
    (LoanService), schedules (ScheduleService), restructuring
    (RestructuringService), close_of_business (CloseOfBusinessService),
    approvals (ApprovalService), events (EventFeedService). channel is the
    grpc.Channel. Close the client (or use it as a context manager) to
    close the channel.
    """

    def __init__(self, channel: grpc.Channel, *, timeout: Optional[float] = 30.0, metadata: Sequence[Tuple[str, str]] = ()) -> None:
        self.channel = channel

        def service(module, grpc_module, name):
            stub = getattr(grpc_module, name + "Stub")(channel)
            servicer = getattr(grpc_module, name + "Servicer")
            return Service(stub, module.DESCRIPTOR.services_by_name[name], timeout, tuple(metadata), servicer)

        self.loans = service(loan_service_pb2, loan_service_pb2_grpc, "LoanService")
        self.schedules = service(schedule_service_pb2, schedule_service_pb2_grpc, "ScheduleService")
        self.restructuring = service(restructuring_service_pb2, restructuring_service_pb2_grpc, "RestructuringService")
        self.close_of_business = service(
            close_of_business_service_pb2, close_of_business_service_pb2_grpc, "CloseOfBusinessService")
        self.approvals = service(approval_service_pb2, approval_service_pb2_grpc, "ApprovalService")
        self.events = service(event_feed_service_pb2, event_feed_service_pb2_grpc, "EventFeedService")

    def close(self) -> None:
        """Close the channel; calls still running are cancelled."""
        self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Service:
    """One loancore service: the stub's methods, by name, wrapped.

    Each method takes the request message (or its fields as keyword
    arguments) and grpc's timeout, metadata and credentials keywords. A
    request with a request_id field that is empty gets new_request_id()
    written into it before it is sent: the caller's message keeps it, so
    sending the same message again is a retry of the same request.
    """

    def __init__(self, stub: Any, descriptor: Any, timeout: Optional[float], metadata: Tuple[Tuple[str, str], ...],
                 servicer: Any = None) -> None:
        self.stub = stub
        self.descriptor = descriptor
        for method in descriptor.methods:
            wrapped = _Method(getattr(stub, method.name), method, timeout, metadata)
            # The generated servicer's methods carry the proto's comments:
            # help(client.loans.CreateLoan) shows what the call does.
            wrapped.__doc__ = getattr(getattr(servicer, method.name, None), "__doc__", None) or method.full_name
            setattr(self, method.name, wrapped)


class _Method:
    """A stub's method with request ids filled, a default deadline and errors decoded."""

    def __init__(self, call: Any, method: Any, timeout: Optional[float], metadata: Tuple[Tuple[str, str], ...]) -> None:
        self._call = call
        self._method = method
        self._request_class = symbol_database.Default().GetSymbol(method.input_type.full_name)
        self._fills_request_id = _REQUEST_ID_FIELD in method.input_type.fields_by_name
        self._timeout = None if method.server_streaming else timeout
        self._metadata = metadata

    def __call__(self, request: Any = None, *, timeout: Optional[float] = None, metadata: Sequence[Tuple[str, str]] = (), **kwargs: Any):
        if request is None:
            request = self._request_class(**kwargs)
        elif kwargs:
            raise TypeError(f"{self._method.name}: pass a request or its fields, not both")
        request_id = None
        if self._fills_request_id:
            if not request.request_id:
                request.request_id = new_request_id()
            request_id = request.request_id
        kw = {"timeout": timeout if timeout is not None else self._timeout, "metadata": self._metadata + tuple(metadata)}
        try:
            result = self._call(request, **kw)
        except grpc.RpcError as err:
            raise LoancoreError.from_rpc_error(err, request_id) from None
        if self._method.server_streaming:
            return Stream(result, request_id)
        return result


class Stream:
    """A server stream's responses, with errors raised as LoancoreError.

    Iterate it for the responses; cancel() ends the call (iteration then
    stops with a CANCELLED LoancoreError); as a context manager it is
    cancelled on exit. Other grpc.Call methods (code(), details(), ...)
    are the underlying call's.
    """

    def __init__(self, call: Any, request_id: Optional[str] = None) -> None:
        self._call = call
        self._request_id = request_id

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            return next(self._call)
        except grpc.RpcError as err:
            raise LoancoreError.from_rpc_error(err, self._request_id) from None

    def cancel(self) -> bool:
        """Cancel the call; True if it was still running."""
        return self._call.cancel()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self._call.cancel()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


def _read(path: Optional[str]) -> Optional[bytes]:
    """The bytes of the file at path, or None for no path."""
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def _is_loopback(address: str) -> bool:
    """Whether address ("host:port", "[v6]:port") names this machine."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
