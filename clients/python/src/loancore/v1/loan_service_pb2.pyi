from loancore.v1 import action_pb2 as _action_pb2
from loancore.v1 import terms_pb2 as _terms_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ALLOCATION_COMPONENT_COMPOUND: AllocationComponent
ALLOCATION_COMPONENT_FEES: AllocationComponent
ALLOCATION_COMPONENT_INTEREST: AllocationComponent
ALLOCATION_COMPONENT_PENALTY: AllocationComponent
ALLOCATION_COMPONENT_PRINCIPAL: AllocationComponent
ALLOCATION_COMPONENT_UNSPECIFIED: AllocationComponent
DELINQUENCY_BUCKET_M0: DelinquencyBucket
DELINQUENCY_BUCKET_M1: DelinquencyBucket
DELINQUENCY_BUCKET_M2: DelinquencyBucket
DELINQUENCY_BUCKET_M3: DelinquencyBucket
DELINQUENCY_BUCKET_M4: DelinquencyBucket
DELINQUENCY_BUCKET_M5: DelinquencyBucket
DELINQUENCY_BUCKET_M6: DelinquencyBucket
DELINQUENCY_BUCKET_M7: DelinquencyBucket
DELINQUENCY_BUCKET_UNSPECIFIED: DelinquencyBucket
DESCRIPTOR: _descriptor.FileDescriptor
INSTALLMENT_STATUS_DUE: InstallmentStatus
INSTALLMENT_STATUS_NOT_DUE: InstallmentStatus
INSTALLMENT_STATUS_OVERDUE: InstallmentStatus
INSTALLMENT_STATUS_PAID: InstallmentStatus
INSTALLMENT_STATUS_UNSPECIFIED: InstallmentStatus
LOAN_EVENT_KIND_ACTION_REJECTED: LoanEventKind
LOAN_EVENT_KIND_ACTION_REQUESTED: LoanEventKind
LOAN_EVENT_KIND_AGREEMENT_ACCEPTED: LoanEventKind
LOAN_EVENT_KIND_AGREEMENT_BROKEN: LoanEventKind
LOAN_EVENT_KIND_AGREEMENT_CANCELLED: LoanEventKind
LOAN_EVENT_KIND_AGREEMENT_PROPOSED: LoanEventKind
LOAN_EVENT_KIND_DISBURSEMENT: LoanEventKind
LOAN_EVENT_KIND_ORIGINATION: LoanEventKind
LOAN_EVENT_KIND_REPAYMENT: LoanEventKind
LOAN_EVENT_KIND_REPAYMENT_REVERSAL: LoanEventKind
LOAN_EVENT_KIND_TRANCHE: LoanEventKind
LOAN_EVENT_KIND_UNSPECIFIED: LoanEventKind
LOAN_EVENT_KIND_WAIVER: LoanEventKind
LOAN_EVENT_KIND_WRITE_OFF: LoanEventKind
LOAN_STATUS_ACTIVE: LoanStatus
LOAN_STATUS_PAID_OFF: LoanStatus
LOAN_STATUS_UNSPECIFIED: LoanStatus
LOAN_STATUS_WRITTEN_OFF: LoanStatus
LOAN_VIEW_BASIC: LoanView
LOAN_VIEW_FULL: LoanView
LOAN_VIEW_UNSPECIFIED: LoanView
RISK_CLASS_DOUBTFUL: RiskClass
RISK_CLASS_LOSS: RiskClass
RISK_CLASS_NORMAL: RiskClass
RISK_CLASS_SPECIAL_MENTION: RiskClass
RISK_CLASS_SUBSTANDARD: RiskClass
RISK_CLASS_UNSPECIFIED: RiskClass
SPECIAL_TRANSACTION_DEBT_REDUCTION: SpecialTransaction
SPECIAL_TRANSACTION_EXTENSION: SpecialTransaction
SPECIAL_TRANSACTION_PERSONALISED_INSTALLMENT: SpecialTransaction
SPECIAL_TRANSACTION_UNSPECIFIED: SpecialTransaction

class AllocationLine(_message.Message):
    __slots__ = ["amount", "component", "installment_number"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    amount: str
    component: AllocationComponent
    installment_number: int
    def __init__(self, installment_number: _Optional[int] = ..., component: _Optional[_Union[AllocationComponent, str]] = ..., amount: _Optional[str] = ...) -> None: ...

class CreateLoanRequest(_message.Message):
    __slots__ = ["borrower_id", "loan_id", "request_id", "terms"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    loan_id: str
    request_id: str
    terms: _terms_pb2.LoanTerms
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., terms: _Optional[_Union[_terms_pb2.LoanTerms, _Mapping]] = ...) -> None: ...

class CreateLoanResponse(_message.Message):
    __slots__ = ["loan"]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    loan: Loan
    def __init__(self, loan: _Optional[_Union[Loan, _Mapping]] = ...) -> None: ...

class DisburseTrancheRequest(_message.Message):
    __slots__ = ["amount", "loan_id", "request_id", "value_date"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    amount: str
    loan_id: str
    request_id: str
    value_date: str
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., amount: _Optional[str] = ..., value_date: _Optional[str] = ...) -> None: ...

class DisburseTrancheResponse(_message.Message):
    __slots__ = ["loan"]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    loan: Loan
    def __init__(self, loan: _Optional[_Union[Loan, _Mapping]] = ...) -> None: ...

class GetLoanRequest(_message.Message):
    __slots__ = ["as_of", "known_at", "loan_id"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: str
    loan_id: str
    def __init__(self, loan_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ...) -> None: ...

class GetLoanResponse(_message.Message):
    __slots__ = ["loan"]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    loan: Loan
    def __init__(self, loan: _Optional[_Union[Loan, _Mapping]] = ...) -> None: ...

class ListLoanEventsRequest(_message.Message):
    __slots__ = ["loan_id", "page_size", "page_token"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    page_size: int
    page_token: str
    def __init__(self, loan_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLoanEventsResponse(_message.Message):
    __slots__ = ["events", "next_page_token"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[LoanEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[LoanEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLoansRequest(_message.Message):
    __slots__ = ["borrower_id", "page_size", "page_token", "status"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    page_size: int
    page_token: str
    status: LoanStatus
    def __init__(self, status: _Optional[_Union[LoanStatus, str]] = ..., borrower_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLoansResponse(_message.Message):
    __slots__ = ["loans", "next_page_token"]
    LOANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    loans: _containers.RepeatedCompositeFieldContainer[LoanSummary]
    next_page_token: str
    def __init__(self, loans: _Optional[_Iterable[_Union[LoanSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Loan(_message.Message):
    __slots__ = ["agreement_id", "apr_percent", "as_of", "borrower_id", "cost", "created_at", "credit_balance", "currency", "days_past_due", "delinquency_bucket", "disbursed_amount", "installments", "known_at", "loan_id", "next_due_date", "outstanding", "penalty_capped_on", "restructured", "restructured_until", "risk_class", "status", "terms", "tranches", "version", "written_off_on"]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    APR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    DELINQUENCY_BUCKET_FIELD_NUMBER: _ClassVar[int]
    DISBURSED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    PENALTY_CAPPED_ON_FIELD_NUMBER: _ClassVar[int]
    RESTRUCTURED_FIELD_NUMBER: _ClassVar[int]
    RESTRUCTURED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    TRANCHES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_OFF_ON_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    apr_percent: str
    as_of: str
    borrower_id: str
    cost: LoanCost
    created_at: str
    credit_balance: str
    currency: str
    days_past_due: int
    delinquency_bucket: DelinquencyBucket
    disbursed_amount: str
    installments: _containers.RepeatedCompositeFieldContainer[LoanInstallment]
    known_at: str
    loan_id: str
    next_due_date: str
    outstanding: Outstanding
    penalty_capped_on: str
    restructured: bool
    restructured_until: str
    risk_class: RiskClass
    status: LoanStatus
    terms: _terms_pb2.LoanTerms
    tranches: _containers.RepeatedCompositeFieldContainer[LoanTranche]
    version: int
    written_off_on: str
    def __init__(self, loan_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., status: _Optional[_Union[LoanStatus, str]] = ..., terms: _Optional[_Union[_terms_pb2.LoanTerms, _Mapping]] = ..., installments: _Optional[_Iterable[_Union[LoanInstallment, _Mapping]]] = ..., outstanding: _Optional[_Union[Outstanding, _Mapping]] = ..., days_past_due: _Optional[int] = ..., next_due_date: _Optional[str] = ..., version: _Optional[int] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ..., created_at: _Optional[str] = ..., credit_balance: _Optional[str] = ..., currency: _Optional[str] = ..., delinquency_bucket: _Optional[_Union[DelinquencyBucket, str]] = ..., risk_class: _Optional[_Union[RiskClass, str]] = ..., penalty_capped_on: _Optional[str] = ..., written_off_on: _Optional[str] = ..., restructured: bool = ..., restructured_until: _Optional[str] = ..., agreement_id: _Optional[str] = ..., apr_percent: _Optional[str] = ..., disbursed_amount: _Optional[str] = ..., tranches: _Optional[_Iterable[_Union[LoanTranche, _Mapping]]] = ..., cost: _Optional[_Union[LoanCost, _Mapping]] = ...) -> None: ...

class LoanCost(_message.Message):
    __slots__ = ["capitalised", "compound", "late_fees", "penalty", "prepayment_fees", "service_fees", "total_cost", "total_fees", "total_interest", "upfront_fee", "waived"]
    CAPITALISED_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    LATE_FEES_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    PREPAYMENT_FEES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FEES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INTEREST_FIELD_NUMBER: _ClassVar[int]
    UPFRONT_FEE_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    capitalised: str
    compound: str
    late_fees: str
    penalty: str
    prepayment_fees: str
    service_fees: str
    total_cost: str
    total_fees: str
    total_interest: str
    upfront_fee: str
    waived: str
    def __init__(self, total_interest: _Optional[str] = ..., service_fees: _Optional[str] = ..., late_fees: _Optional[str] = ..., prepayment_fees: _Optional[str] = ..., total_fees: _Optional[str] = ..., upfront_fee: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., capitalised: _Optional[str] = ..., waived: _Optional[str] = ..., total_cost: _Optional[str] = ...) -> None: ...

class LoanEvent(_message.Message):
    __slots__ = ["action_id", "actor", "agreement_id", "amount", "kind", "on_behalf_of", "reason", "recorded_at", "request_id", "seq", "special_transactions", "target_seq", "value_date", "waived_compound", "waived_fees", "waived_interest", "waived_penalty"]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    TARGET_SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    WAIVED_COMPOUND_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FEES_FIELD_NUMBER: _ClassVar[int]
    WAIVED_INTEREST_FIELD_NUMBER: _ClassVar[int]
    WAIVED_PENALTY_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    actor: str
    agreement_id: str
    amount: str
    kind: LoanEventKind
    on_behalf_of: str
    reason: str
    recorded_at: str
    request_id: str
    seq: int
    special_transactions: _containers.RepeatedScalarFieldContainer[SpecialTransaction]
    target_seq: int
    value_date: str
    waived_compound: str
    waived_fees: str
    waived_interest: str
    waived_penalty: str
    def __init__(self, seq: _Optional[int] = ..., kind: _Optional[_Union[LoanEventKind, str]] = ..., value_date: _Optional[str] = ..., recorded_at: _Optional[str] = ..., request_id: _Optional[str] = ..., actor: _Optional[str] = ..., amount: _Optional[str] = ..., target_seq: _Optional[int] = ..., reason: _Optional[str] = ..., waived_penalty: _Optional[str] = ..., waived_compound: _Optional[str] = ..., waived_interest: _Optional[str] = ..., agreement_id: _Optional[str] = ..., special_transactions: _Optional[_Iterable[_Union[SpecialTransaction, str]]] = ..., on_behalf_of: _Optional[str] = ..., action_id: _Optional[str] = ..., waived_fees: _Optional[str] = ...) -> None: ...

class LoanInstallment(_message.Message):
    __slots__ = ["compound_accrued", "compound_paid", "due_date", "fees_due", "fees_paid", "interest_due", "interest_paid", "number", "penalty_accrued", "penalty_paid", "principal_due", "principal_paid", "start_date", "status"]
    COMPOUND_ACCRUED_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_PAID_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    FEES_DUE_FIELD_NUMBER: _ClassVar[int]
    FEES_PAID_FIELD_NUMBER: _ClassVar[int]
    INTEREST_DUE_FIELD_NUMBER: _ClassVar[int]
    INTEREST_PAID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PENALTY_ACCRUED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_PAID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_DUE_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_PAID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    compound_accrued: str
    compound_paid: str
    due_date: str
    fees_due: str
    fees_paid: str
    interest_due: str
    interest_paid: str
    number: int
    penalty_accrued: str
    penalty_paid: str
    principal_due: str
    principal_paid: str
    start_date: str
    status: InstallmentStatus
    def __init__(self, number: _Optional[int] = ..., due_date: _Optional[str] = ..., principal_due: _Optional[str] = ..., interest_due: _Optional[str] = ..., principal_paid: _Optional[str] = ..., interest_paid: _Optional[str] = ..., status: _Optional[_Union[InstallmentStatus, str]] = ..., start_date: _Optional[str] = ..., penalty_accrued: _Optional[str] = ..., penalty_paid: _Optional[str] = ..., compound_accrued: _Optional[str] = ..., compound_paid: _Optional[str] = ..., fees_due: _Optional[str] = ..., fees_paid: _Optional[str] = ...) -> None: ...

class LoanSummary(_message.Message):
    __slots__ = ["borrower_id", "created_at", "currency", "loan_id", "principal", "status", "version"]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    borrower_id: str
    created_at: str
    currency: str
    loan_id: str
    principal: str
    status: LoanStatus
    version: int
    def __init__(self, loan_id: _Optional[str] = ..., borrower_id: _Optional[str] = ..., status: _Optional[_Union[LoanStatus, str]] = ..., currency: _Optional[str] = ..., principal: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[str] = ...) -> None: ...

class LoanTranche(_message.Message):
    __slots__ = ["amount", "seq", "value_date"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    amount: str
    seq: int
    value_date: str
    def __init__(self, seq: _Optional[int] = ..., amount: _Optional[str] = ..., value_date: _Optional[str] = ...) -> None: ...

class Outstanding(_message.Message):
    __slots__ = ["compound", "fees", "interest", "penalty", "principal", "total"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    compound: str
    fees: str
    interest: str
    penalty: str
    principal: str
    total: str
    def __init__(self, principal: _Optional[str] = ..., interest: _Optional[str] = ..., total: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class QuotePayoffRequest(_message.Message):
    __slots__ = ["loan_id", "payoff_date"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOFF_DATE_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    payoff_date: str
    def __init__(self, loan_id: _Optional[str] = ..., payoff_date: _Optional[str] = ...) -> None: ...

class QuotePayoffResponse(_message.Message):
    __slots__ = ["compound", "credit", "currency", "fees", "interest", "payoff_date", "penalty", "principal", "total"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    PAYOFF_DATE_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    compound: str
    credit: str
    currency: str
    fees: str
    interest: str
    payoff_date: str
    penalty: str
    principal: str
    total: str
    def __init__(self, total: _Optional[str] = ..., principal: _Optional[str] = ..., interest: _Optional[str] = ..., credit: _Optional[str] = ..., payoff_date: _Optional[str] = ..., currency: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class RecordRepaymentRequest(_message.Message):
    __slots__ = ["amount", "loan_id", "request_id", "value_date", "view"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    amount: str
    loan_id: str
    request_id: str
    value_date: str
    view: LoanView
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., amount: _Optional[str] = ..., value_date: _Optional[str] = ..., view: _Optional[_Union[LoanView, str]] = ...) -> None: ...

class RecordRepaymentResponse(_message.Message):
    __slots__ = ["allocations", "changed_seqs", "credit", "loan", "prepaid_principal", "seq"]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_SEQS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    PREPAID_PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    allocations: _containers.RepeatedCompositeFieldContainer[AllocationLine]
    changed_seqs: _containers.RepeatedScalarFieldContainer[int]
    credit: str
    loan: Loan
    prepaid_principal: str
    seq: int
    def __init__(self, seq: _Optional[int] = ..., allocations: _Optional[_Iterable[_Union[AllocationLine, _Mapping]]] = ..., prepaid_principal: _Optional[str] = ..., credit: _Optional[str] = ..., loan: _Optional[_Union[Loan, _Mapping]] = ..., changed_seqs: _Optional[_Iterable[int]] = ...) -> None: ...

class ReverseRepaymentRequest(_message.Message):
    __slots__ = ["loan_id", "reason", "request_id", "seq"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    reason: str
    request_id: str
    seq: int
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., seq: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ReverseRepaymentResponse(_message.Message):
    __slots__ = ["changed_seqs", "loan", "pending_action", "reversed_allocations", "seq"]
    CHANGED_SEQS_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    PENDING_ACTION_FIELD_NUMBER: _ClassVar[int]
    REVERSED_ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    changed_seqs: _containers.RepeatedScalarFieldContainer[int]
    loan: Loan
    pending_action: _action_pb2.PendingAction
    reversed_allocations: _containers.RepeatedCompositeFieldContainer[AllocationLine]
    seq: int
    def __init__(self, seq: _Optional[int] = ..., loan: _Optional[_Union[Loan, _Mapping]] = ..., changed_seqs: _Optional[_Iterable[int]] = ..., reversed_allocations: _Optional[_Iterable[_Union[AllocationLine, _Mapping]]] = ..., pending_action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ...) -> None: ...

class WaiveAmountsRequest(_message.Message):
    __slots__ = ["compound", "fees", "interest", "loan_id", "penalty", "reason", "request_id", "value_date"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    compound: str
    fees: str
    interest: str
    loan_id: str
    penalty: str
    reason: str
    request_id: str
    value_date: str
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., interest: _Optional[str] = ..., reason: _Optional[str] = ..., value_date: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class WaiveAmountsResponse(_message.Message):
    __slots__ = ["compound", "fees", "interest", "loan", "penalty", "pending_action", "seq"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    PENDING_ACTION_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    compound: str
    fees: str
    interest: str
    loan: Loan
    penalty: str
    pending_action: _action_pb2.PendingAction
    seq: int
    def __init__(self, seq: _Optional[int] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., interest: _Optional[str] = ..., loan: _Optional[_Union[Loan, _Mapping]] = ..., pending_action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ..., fees: _Optional[str] = ...) -> None: ...

class WriteOffLoanRequest(_message.Message):
    __slots__ = ["loan_id", "reason", "request_id", "value_date"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    reason: str
    request_id: str
    value_date: str
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., reason: _Optional[str] = ..., value_date: _Optional[str] = ...) -> None: ...

class WriteOffLoanResponse(_message.Message):
    __slots__ = ["loan", "pending_action", "seq"]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    PENDING_ACTION_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    loan: Loan
    pending_action: _action_pb2.PendingAction
    seq: int
    def __init__(self, seq: _Optional[int] = ..., loan: _Optional[_Union[Loan, _Mapping]] = ..., pending_action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ...) -> None: ...

class DelinquencyBucket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RiskClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LoanStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class InstallmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SpecialTransaction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LoanEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LoanView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AllocationComponent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
