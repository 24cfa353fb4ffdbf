from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

ACTION_STATUS_APPROVED: ActionStatus
ACTION_STATUS_PENDING_APPROVAL: ActionStatus
ACTION_STATUS_REJECTED: ActionStatus
ACTION_STATUS_UNSPECIFIED: ActionStatus
DESCRIPTOR: _descriptor.FileDescriptor

class PendingAction(_message.Message):
    __slots__ = ["action_id", "amount", "checker", "currency", "decided_at", "executed_seq", "loan_id", "maker", "maker_on_behalf_of", "method", "reject_reason", "request_json", "request_seq", "requested_at", "status"]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHECKER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_SEQ_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    MAKER_FIELD_NUMBER: _ClassVar[int]
    MAKER_ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_JSON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    amount: str
    checker: str
    currency: str
    decided_at: str
    executed_seq: int
    loan_id: str
    maker: str
    maker_on_behalf_of: str
    method: str
    reject_reason: str
    request_json: str
    request_seq: int
    requested_at: str
    status: ActionStatus
    def __init__(self, action_id: _Optional[str] = ..., status: _Optional[_Union[ActionStatus, str]] = ..., loan_id: _Optional[str] = ..., method: _Optional[str] = ..., maker: _Optional[str] = ..., maker_on_behalf_of: _Optional[str] = ..., requested_at: _Optional[str] = ..., request_json: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., checker: _Optional[str] = ..., decided_at: _Optional[str] = ..., reject_reason: _Optional[str] = ..., request_seq: _Optional[int] = ..., executed_seq: _Optional[int] = ...) -> None: ...

class ActionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
