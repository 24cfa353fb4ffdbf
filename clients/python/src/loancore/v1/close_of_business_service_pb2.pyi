from loancore.v1 import loan_service_pb2 as _loan_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CLOSE_OF_BUSINESS_STATUS_COMPLETED: CloseOfBusinessStatus
CLOSE_OF_BUSINESS_STATUS_RUNNING: CloseOfBusinessStatus
CLOSE_OF_BUSINESS_STATUS_UNSPECIFIED: CloseOfBusinessStatus
DESCRIPTOR: _descriptor.FileDescriptor
NOTICE_KIND_BUCKET_CHANGE: NoticeKind
NOTICE_KIND_CREDIT_REPORT_PRENOTICE: NoticeKind
NOTICE_KIND_FIRST_OVERDUE: NoticeKind
NOTICE_KIND_LATE_FEE: NoticeKind
NOTICE_KIND_UNSPECIFIED: NoticeKind
NOTICE_KIND_UPCOMING_DUE: NoticeKind

class CloseOfBusinessRun(_message.Message):
    __slots__ = ["business_date", "failures", "finished_at", "loans_done", "loans_total", "started_at", "status"]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    LOANS_DONE_FIELD_NUMBER: _ClassVar[int]
    LOANS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    failures: int
    finished_at: str
    loans_done: int
    loans_total: int
    started_at: str
    status: CloseOfBusinessStatus
    def __init__(self, business_date: _Optional[str] = ..., status: _Optional[_Union[CloseOfBusinessStatus, str]] = ..., loans_total: _Optional[int] = ..., loans_done: _Optional[int] = ..., failures: _Optional[int] = ..., started_at: _Optional[str] = ..., finished_at: _Optional[str] = ...) -> None: ...

class DelinquentLoan(_message.Message):
    __slots__ = ["borrower_id", "bucket", "currency", "days_past_due", "loan_id", "outstanding", "risk_class"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    bucket: _loan_service_pb2.DelinquencyBucket
    currency: str
    days_past_due: int
    loan_id: str
    outstanding: _loan_service_pb2.Outstanding
    risk_class: _loan_service_pb2.RiskClass
    def __init__(self, loan_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., days_past_due: _Optional[int] = ..., bucket: _Optional[_Union[_loan_service_pb2.DelinquencyBucket, str]] = ..., risk_class: _Optional[_Union[_loan_service_pb2.RiskClass, str]] = ..., outstanding: _Optional[_Union[_loan_service_pb2.Outstanding, _Mapping]] = ..., currency: _Optional[str] = ...) -> None: ...

class DueNotice(_message.Message):
    __slots__ = ["amount", "borrower_id", "bucket", "currency", "days_past_due", "due_date", "installment_number", "kind", "loan_id", "notice_date", "notice_id"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    amount: str
    borrower_id: str
    bucket: _loan_service_pb2.DelinquencyBucket
    currency: str
    days_past_due: int
    due_date: str
    installment_number: int
    kind: NoticeKind
    loan_id: str
    notice_date: str
    notice_id: str
    def __init__(self, notice_id: _Optional[str] = ..., kind: _Optional[_Union[NoticeKind, str]] = ..., notice_date: _Optional[str] = ..., loan_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., installment_number: _Optional[int] = ..., due_date: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., days_past_due: _Optional[int] = ..., bucket: _Optional[_Union[_loan_service_pb2.DelinquencyBucket, str]] = ...) -> None: ...

class GetCloseOfBusinessRunRequest(_message.Message):
    __slots__ = ["business_date"]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    def __init__(self, business_date: _Optional[str] = ...) -> None: ...

class GetCloseOfBusinessRunResponse(_message.Message):
    __slots__ = ["run"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: CloseOfBusinessRun
    def __init__(self, run: _Optional[_Union[CloseOfBusinessRun, _Mapping]] = ...) -> None: ...

class ListDelinquentLoansRequest(_message.Message):
    __slots__ = ["as_of", "bucket", "page_size", "page_token", "risk_class"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    bucket: _loan_service_pb2.DelinquencyBucket
    page_size: int
    page_token: str
    risk_class: _loan_service_pb2.RiskClass
    def __init__(self, as_of: _Optional[str] = ..., bucket: _Optional[_Union[_loan_service_pb2.DelinquencyBucket, str]] = ..., risk_class: _Optional[_Union[_loan_service_pb2.RiskClass, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDelinquentLoansResponse(_message.Message):
    __slots__ = ["as_of", "loans", "next_page_token"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    LOANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    loans: _containers.RepeatedCompositeFieldContainer[DelinquentLoan]
    next_page_token: str
    def __init__(self, loans: _Optional[_Iterable[_Union[DelinquentLoan, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., as_of: _Optional[str] = ...) -> None: ...

class ListDueNoticesRequest(_message.Message):
    __slots__ = ["from_date", "page_size", "page_token", "to_date"]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    page_size: int
    page_token: str
    to_date: str
    def __init__(self, from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDueNoticesResponse(_message.Message):
    __slots__ = ["next_page_token", "notices"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    notices: _containers.RepeatedCompositeFieldContainer[DueNotice]
    def __init__(self, notices: _Optional[_Iterable[_Union[DueNotice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RunCloseOfBusinessRequest(_message.Message):
    __slots__ = ["business_date"]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    def __init__(self, business_date: _Optional[str] = ...) -> None: ...

class RunCloseOfBusinessResponse(_message.Message):
    __slots__ = ["run"]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: CloseOfBusinessRun
    def __init__(self, run: _Optional[_Union[CloseOfBusinessRun, _Mapping]] = ...) -> None: ...

class CloseOfBusinessStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class NoticeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
