from loancore.v1 import action_pb2 as _action_pb2
from loancore.v1 import loan_service_pb2 as _loan_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApproveActionRequest(_message.Message):
    __slots__ = ["action_id", "request_id"]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., action_id: _Optional[str] = ...) -> None: ...

class ApproveActionResponse(_message.Message):
    __slots__ = ["action", "loan", "seq"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    action: _action_pb2.PendingAction
    loan: _loan_service_pb2.Loan
    seq: int
    def __init__(self, action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ..., seq: _Optional[int] = ..., loan: _Optional[_Union[_loan_service_pb2.Loan, _Mapping]] = ...) -> None: ...

class ListPendingActionsRequest(_message.Message):
    __slots__ = ["loan_id", "page_size", "page_token"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    page_size: int
    page_token: str
    def __init__(self, loan_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPendingActionsResponse(_message.Message):
    __slots__ = ["actions", "next_page_token"]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[_action_pb2.PendingAction]
    next_page_token: str
    def __init__(self, actions: _Optional[_Iterable[_Union[_action_pb2.PendingAction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RejectActionRequest(_message.Message):
    __slots__ = ["action_id", "reason", "request_id"]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., action_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectActionResponse(_message.Message):
    __slots__ = ["action"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: _action_pb2.PendingAction
    def __init__(self, action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ...) -> None: ...
