from loancore.v1 import close_of_business_service_pb2 as _close_of_business_service_pb2
from loancore.v1 import credit_line_service_pb2 as _credit_line_service_pb2
from loancore.v1 import loan_service_pb2 as _loan_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FEED_EVENT_KIND_ACCRUAL: FeedEventKind
FEED_EVENT_KIND_ACTION_REJECTED: FeedEventKind
FEED_EVENT_KIND_ACTION_REQUESTED: FeedEventKind
FEED_EVENT_KIND_AGREEMENT_ACCEPTED: FeedEventKind
FEED_EVENT_KIND_AGREEMENT_BROKEN: FeedEventKind
FEED_EVENT_KIND_AGREEMENT_CANCELLED: FeedEventKind
FEED_EVENT_KIND_AGREEMENT_PROPOSED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_CLOSED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_DRAWDOWN: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_FROZEN: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_LIMIT_CHANGED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_OPENED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_PRINCIPAL_CAPITALISED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_REPAYMENT_REVERSED: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_TRANCHE_DRAWN: FeedEventKind
FEED_EVENT_KIND_CREDIT_LINE_UNFROZEN: FeedEventKind
FEED_EVENT_KIND_DISBURSEMENT: FeedEventKind
FEED_EVENT_KIND_DUE_NOTICE: FeedEventKind
FEED_EVENT_KIND_ORIGINATION: FeedEventKind
FEED_EVENT_KIND_REPAYMENT: FeedEventKind
FEED_EVENT_KIND_REPAYMENT_REVERSAL: FeedEventKind
FEED_EVENT_KIND_TRANCHE: FeedEventKind
FEED_EVENT_KIND_UNSPECIFIED: FeedEventKind
FEED_EVENT_KIND_WAIVER: FeedEventKind
FEED_EVENT_KIND_WRITE_OFF: FeedEventKind

class AccrualLine(_message.Message):
    __slots__ = ["business_date", "compound", "fees", "penalty"]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    compound: str
    fees: str
    penalty: str
    def __init__(self, business_date: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class FeedEvent(_message.Message):
    __slots__ = ["accrual", "actor", "amount", "credit_line_event", "credit_line_id", "currency", "event_id", "kind", "loan_event", "loan_id", "notice", "position", "recorded_at", "request_id", "value_date"]
    ACCRUAL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_EVENT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOAN_EVENT_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    accrual: AccrualLine
    actor: str
    amount: str
    credit_line_event: _credit_line_service_pb2.CreditLineEvent
    credit_line_id: str
    currency: str
    event_id: str
    kind: FeedEventKind
    loan_event: _loan_service_pb2.LoanEvent
    loan_id: str
    notice: _close_of_business_service_pb2.DueNotice
    position: int
    recorded_at: str
    request_id: str
    value_date: str
    def __init__(self, position: _Optional[int] = ..., event_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., kind: _Optional[_Union[FeedEventKind, str]] = ..., value_date: _Optional[str] = ..., recorded_at: _Optional[str] = ..., request_id: _Optional[str] = ..., actor: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., loan_event: _Optional[_Union[_loan_service_pb2.LoanEvent, _Mapping]] = ..., accrual: _Optional[_Union[AccrualLine, _Mapping]] = ..., notice: _Optional[_Union[_close_of_business_service_pb2.DueNotice, _Mapping]] = ..., credit_line_event: _Optional[_Union[_credit_line_service_pb2.CreditLineEvent, _Mapping]] = ..., credit_line_id: _Optional[str] = ...) -> None: ...

class SubscribeEventsRequest(_message.Message):
    __slots__ = ["after_position", "credit_line_ids", "kinds", "loan_ids", "stop_at_head"]
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_IDS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    LOAN_IDS_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_HEAD_FIELD_NUMBER: _ClassVar[int]
    after_position: int
    credit_line_ids: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[FeedEventKind]
    loan_ids: _containers.RepeatedScalarFieldContainer[str]
    stop_at_head: bool
    def __init__(self, after_position: _Optional[int] = ..., kinds: _Optional[_Iterable[_Union[FeedEventKind, str]]] = ..., loan_ids: _Optional[_Iterable[str]] = ..., stop_at_head: bool = ..., credit_line_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubscribeEventsResponse(_message.Message):
    __slots__ = ["checkpoint_position", "event"]
    CHECKPOINT_POSITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    checkpoint_position: int
    event: FeedEvent
    def __init__(self, event: _Optional[_Union[FeedEvent, _Mapping]] = ..., checkpoint_position: _Optional[int] = ...) -> None: ...

class FeedEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
