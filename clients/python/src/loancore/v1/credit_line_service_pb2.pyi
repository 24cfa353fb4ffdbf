from loancore.v1 import loan_service_pb2 as _loan_service_pb2
from loancore.v1 import terms_pb2 as _terms_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CREDIT_LINE_EVENT_KIND_CLOSED: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_DRAWDOWN: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_FROZEN: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_LIMIT_CHANGED: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_OPENED: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_PRINCIPAL_CAPITALISED: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_REPAYMENT_REVERSED: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_TRANCHE_DRAWN: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_UNFROZEN: CreditLineEventKind
CREDIT_LINE_EVENT_KIND_UNSPECIFIED: CreditLineEventKind
CREDIT_LINE_STATUS_ACTIVE: CreditLineStatus
CREDIT_LINE_STATUS_CLOSED: CreditLineStatus
CREDIT_LINE_STATUS_EXPIRED: CreditLineStatus
CREDIT_LINE_STATUS_FROZEN: CreditLineStatus
CREDIT_LINE_STATUS_UNSPECIFIED: CreditLineStatus
DESCRIPTOR: _descriptor.FileDescriptor

class ChangeLimitRequest(_message.Message):
    __slots__ = ["credit_line_id", "limit", "reason", "request_id"]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    credit_line_id: str
    limit: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., limit: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangeLimitResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class CloseCreditLineRequest(_message.Message):
    __slots__ = ["credit_line_id", "reason", "request_id"]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    credit_line_id: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseCreditLineResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class CreditLine(_message.Message):
    __slots__ = ["as_of", "available", "borrower_id", "created_at", "credit_line_id", "currency", "drawdown_bounds", "drawdown_terms", "drawn", "events", "expires_on", "frozen_reason", "known_at", "limit", "loans", "revolving", "status", "used", "version"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DRAWDOWN_BOUNDS_FIELD_NUMBER: _ClassVar[int]
    DRAWDOWN_TERMS_FIELD_NUMBER: _ClassVar[int]
    DRAWN_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    FROZEN_REASON_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    LOANS_FIELD_NUMBER: _ClassVar[int]
    REVOLVING_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    available: str
    borrower_id: str
    created_at: str
    credit_line_id: str
    currency: str
    drawdown_bounds: DrawdownBounds
    drawdown_terms: _terms_pb2.LoanTerms
    drawn: str
    events: _containers.RepeatedCompositeFieldContainer[CreditLineEvent]
    expires_on: str
    frozen_reason: str
    known_at: str
    limit: str
    loans: _containers.RepeatedCompositeFieldContainer[CreditLineLoan]
    revolving: bool
    status: CreditLineStatus
    used: str
    version: int
    def __init__(self, credit_line_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., currency: _Optional[str] = ..., limit: _Optional[str] = ..., used: _Optional[str] = ..., available: _Optional[str] = ..., drawn: _Optional[str] = ..., status: _Optional[_Union[CreditLineStatus, str]] = ..., revolving: bool = ..., expires_on: _Optional[str] = ..., drawdown_terms: _Optional[_Union[_terms_pb2.LoanTerms, _Mapping]] = ..., drawdown_bounds: _Optional[_Union[DrawdownBounds, _Mapping]] = ..., loans: _Optional[_Iterable[_Union[CreditLineLoan, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[CreditLineEvent, _Mapping]]] = ..., version: _Optional[int] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ..., created_at: _Optional[str] = ..., frozen_reason: _Optional[str] = ...) -> None: ...

class CreditLineEvent(_message.Message):
    __slots__ = ["actor", "amount", "kind", "loan_id", "reason", "recorded_at", "request_id", "seq", "value_date"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    actor: str
    amount: str
    kind: CreditLineEventKind
    loan_id: str
    reason: str
    recorded_at: str
    request_id: str
    seq: int
    value_date: str
    def __init__(self, seq: _Optional[int] = ..., kind: _Optional[_Union[CreditLineEventKind, str]] = ..., value_date: _Optional[str] = ..., recorded_at: _Optional[str] = ..., amount: _Optional[str] = ..., loan_id: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreditLineLoan(_message.Message):
    __slots__ = ["amount", "days_past_due", "drawn_on", "loan_id", "outstanding_principal", "status"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    DRAWN_ON_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    amount: str
    days_past_due: int
    drawn_on: str
    loan_id: str
    outstanding_principal: str
    status: _loan_service_pb2.LoanStatus
    def __init__(self, loan_id: _Optional[str] = ..., amount: _Optional[str] = ..., drawn_on: _Optional[str] = ..., outstanding_principal: _Optional[str] = ..., status: _Optional[_Union[_loan_service_pb2.LoanStatus, str]] = ..., days_past_due: _Optional[int] = ...) -> None: ...

class CreditLineSummary(_message.Message):
    __slots__ = ["borrower_id", "created_at", "credit_line_id", "currency", "revolving", "status", "version"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REVOLVING_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    created_at: str
    credit_line_id: str
    currency: str
    revolving: bool
    status: CreditLineStatus
    version: int
    def __init__(self, credit_line_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., currency: _Optional[str] = ..., status: _Optional[_Union[CreditLineStatus, str]] = ..., revolving: bool = ..., version: _Optional[int] = ..., created_at: _Optional[str] = ...) -> None: ...

class DrawdownBounds(_message.Message):
    __slots__ = ["max_installment_count", "methods", "min_installment_count"]
    MAX_INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    MIN_INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    max_installment_count: int
    methods: _containers.RepeatedScalarFieldContainer[_terms_pb2.RepaymentMethod]
    min_installment_count: int
    def __init__(self, min_installment_count: _Optional[int] = ..., max_installment_count: _Optional[int] = ..., methods: _Optional[_Iterable[_Union[_terms_pb2.RepaymentMethod, str]]] = ...) -> None: ...

class DrawdownRequest(_message.Message):
    __slots__ = ["amount", "credit_line_id", "installment_count", "method", "request_id"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    amount: str
    credit_line_id: str
    installment_count: int
    method: _terms_pb2.RepaymentMethod
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., amount: _Optional[str] = ..., installment_count: _Optional[int] = ..., method: _Optional[_Union[_terms_pb2.RepaymentMethod, str]] = ...) -> None: ...

class DrawdownResponse(_message.Message):
    __slots__ = ["credit_line", "loan"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    loan: _loan_service_pb2.Loan
    def __init__(self, loan: _Optional[_Union[_loan_service_pb2.Loan, _Mapping]] = ..., credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class FreezeCreditLineRequest(_message.Message):
    __slots__ = ["credit_line_id", "reason", "request_id"]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    credit_line_id: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class FreezeCreditLineResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class GetCreditLineRequest(_message.Message):
    __slots__ = ["as_of", "credit_line_id", "known_at"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    credit_line_id: str
    known_at: str
    def __init__(self, credit_line_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ...) -> None: ...

class GetCreditLineResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class ListCreditLinesRequest(_message.Message):
    __slots__ = ["borrower_id", "page_size", "page_token"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    page_size: int
    page_token: str
    def __init__(self, borrower_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCreditLinesResponse(_message.Message):
    __slots__ = ["credit_lines", "next_page_token"]
    CREDIT_LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credit_lines: _containers.RepeatedCompositeFieldContainer[CreditLineSummary]
    next_page_token: str
    def __init__(self, credit_lines: _Optional[_Iterable[_Union[CreditLineSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OpenCreditLineRequest(_message.Message):
    __slots__ = ["borrower_id", "credit_line_id", "currency", "drawdown_bounds", "drawdown_terms", "expires_on", "limit", "request_id", "revolving"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DRAWDOWN_BOUNDS_FIELD_NUMBER: _ClassVar[int]
    DRAWDOWN_TERMS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REVOLVING_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    credit_line_id: str
    currency: str
    drawdown_bounds: DrawdownBounds
    drawdown_terms: _terms_pb2.LoanTerms
    expires_on: str
    limit: str
    request_id: str
    revolving: bool
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., currency: _Optional[str] = ..., limit: _Optional[str] = ..., expires_on: _Optional[str] = ..., revolving: bool = ..., drawdown_terms: _Optional[_Union[_terms_pb2.LoanTerms, _Mapping]] = ..., drawdown_bounds: _Optional[_Union[DrawdownBounds, _Mapping]] = ...) -> None: ...

class OpenCreditLineResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class UnfreezeCreditLineRequest(_message.Message):
    __slots__ = ["credit_line_id", "reason", "request_id"]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    credit_line_id: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., credit_line_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnfreezeCreditLineResponse(_message.Message):
    __slots__ = ["credit_line"]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    credit_line: CreditLine
    def __init__(self, credit_line: _Optional[_Union[CreditLine, _Mapping]] = ...) -> None: ...

class CreditLineStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CreditLineEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
