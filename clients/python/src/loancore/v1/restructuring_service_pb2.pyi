from loancore.v1 import action_pb2 as _action_pb2
from loancore.v1 import loan_service_pb2 as _loan_service_pb2
from loancore.v1 import schedule_service_pb2 as _schedule_service_pb2
from loancore.v1 import terms_pb2 as _terms_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

AGREEMENT_STATUS_ACTIVE: AgreementStatus
AGREEMENT_STATUS_BROKEN: AgreementStatus
AGREEMENT_STATUS_CANCELLED: AgreementStatus
AGREEMENT_STATUS_COMPLETED: AgreementStatus
AGREEMENT_STATUS_EXPIRED: AgreementStatus
AGREEMENT_STATUS_PROPOSED: AgreementStatus
AGREEMENT_STATUS_UNSPECIFIED: AgreementStatus
BREAK_ACTION_KEEP_PLAN: BreakAction
BREAK_ACTION_REINSTATE_WAIVED: BreakAction
BREAK_ACTION_UNSPECIFIED: BreakAction
DESCRIPTOR: _descriptor.FileDescriptor
HOLIDAY_INTEREST_CAPITALISE: HolidayInterest
HOLIDAY_INTEREST_SPREAD: HolidayInterest
HOLIDAY_INTEREST_UNSPECIFIED: HolidayInterest

class AcceptAgreementRequest(_message.Message):
    __slots__ = ["agreement_id", "request_id", "signed_by"]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    request_id: str
    signed_by: str
    def __init__(self, request_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., signed_by: _Optional[str] = ...) -> None: ...

class AcceptAgreementResponse(_message.Message):
    __slots__ = ["agreement", "loan", "pending_action"]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    LOAN_FIELD_NUMBER: _ClassVar[int]
    PENDING_ACTION_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    loan: _loan_service_pb2.Loan
    pending_action: _action_pb2.PendingAction
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ..., loan: _Optional[_Union[_loan_service_pb2.Loan, _Mapping]] = ..., pending_action: _Optional[_Union[_action_pb2.PendingAction, _Mapping]] = ...) -> None: ...

class Agreement(_message.Message):
    __slots__ = ["acceptance_seq", "accepted_at", "agreement_id", "break_after_missed", "broken_on", "cancel_reason", "cancelled_at", "changes", "effective_date", "expires_on", "loan_id", "on_break", "proposal_seq", "proposed_at", "quote", "reason", "reinstated", "signed_by", "special_transactions", "status"]
    ACCEPTANCE_SEQ_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    BREAK_AFTER_MISSED_FIELD_NUMBER: _ClassVar[int]
    BROKEN_ON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    ON_BREAK_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_SEQ_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_AT_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REINSTATED_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    acceptance_seq: int
    accepted_at: str
    agreement_id: str
    break_after_missed: int
    broken_on: str
    cancel_reason: str
    cancelled_at: str
    changes: RestructuringChanges
    effective_date: str
    expires_on: str
    loan_id: str
    on_break: BreakAction
    proposal_seq: int
    proposed_at: str
    quote: RestructuringQuote
    reason: str
    reinstated: RestructuringCharges
    signed_by: str
    special_transactions: _containers.RepeatedScalarFieldContainer[_loan_service_pb2.SpecialTransaction]
    status: AgreementStatus
    def __init__(self, agreement_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., status: _Optional[_Union[AgreementStatus, str]] = ..., changes: _Optional[_Union[RestructuringChanges, _Mapping]] = ..., effective_date: _Optional[str] = ..., expires_on: _Optional[str] = ..., quote: _Optional[_Union[RestructuringQuote, _Mapping]] = ..., break_after_missed: _Optional[int] = ..., on_break: _Optional[_Union[BreakAction, str]] = ..., proposed_at: _Optional[str] = ..., signed_by: _Optional[str] = ..., accepted_at: _Optional[str] = ..., cancelled_at: _Optional[str] = ..., cancel_reason: _Optional[str] = ..., broken_on: _Optional[str] = ..., special_transactions: _Optional[_Iterable[_Union[_loan_service_pb2.SpecialTransaction, str]]] = ..., proposal_seq: _Optional[int] = ..., acceptance_seq: _Optional[int] = ..., reason: _Optional[str] = ..., reinstated: _Optional[_Union[RestructuringCharges, _Mapping]] = ...) -> None: ...

class CancelAgreementRequest(_message.Message):
    __slots__ = ["agreement_id", "reason", "request_id"]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAgreementResponse(_message.Message):
    __slots__ = ["agreement"]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class Capitalisation(_message.Message):
    __slots__ = ["include_penalty"]
    INCLUDE_PENALTY_FIELD_NUMBER: _ClassVar[int]
    include_penalty: bool
    def __init__(self, include_penalty: bool = ...) -> None: ...

class GetAgreementRequest(_message.Message):
    __slots__ = ["agreement_id"]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class GetAgreementResponse(_message.Message):
    __slots__ = ["agreement"]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class InterestFreezePlan(_message.Message):
    __slots__ = ["annual_rate_percent", "first_due_date", "installment_count"]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    annual_rate_percent: str
    first_due_date: str
    installment_count: int
    def __init__(self, installment_count: _Optional[int] = ..., first_due_date: _Optional[str] = ..., annual_rate_percent: _Optional[str] = ...) -> None: ...

class ListAgreementsRequest(_message.Message):
    __slots__ = ["loan_id", "page_size", "page_token", "status"]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    loan_id: str
    page_size: int
    page_token: str
    status: AgreementStatus
    def __init__(self, loan_id: _Optional[str] = ..., status: _Optional[_Union[AgreementStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAgreementsResponse(_message.Message):
    __slots__ = ["agreements", "next_page_token"]
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agreements: _containers.RepeatedCompositeFieldContainer[Agreement]
    next_page_token: str
    def __init__(self, agreements: _Optional[_Iterable[_Union[Agreement, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PaymentHoliday(_message.Message):
    __slots__ = ["count", "from_installment", "interest"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FROM_INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    count: int
    from_installment: int
    interest: HolidayInterest
    def __init__(self, from_installment: _Optional[int] = ..., count: _Optional[int] = ..., interest: _Optional[_Union[HolidayInterest, str]] = ...) -> None: ...

class ProposeAgreementRequest(_message.Message):
    __slots__ = ["break_after_missed", "changes", "effective_date", "expires_on", "loan_id", "on_break", "reason", "request_id"]
    BREAK_AFTER_MISSED_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    ON_BREAK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    break_after_missed: int
    changes: RestructuringChanges
    effective_date: str
    expires_on: str
    loan_id: str
    on_break: BreakAction
    reason: str
    request_id: str
    def __init__(self, request_id: _Optional[str] = ..., loan_id: _Optional[str] = ..., changes: _Optional[_Union[RestructuringChanges, _Mapping]] = ..., effective_date: _Optional[str] = ..., expires_on: _Optional[str] = ..., break_after_missed: _Optional[int] = ..., on_break: _Optional[_Union[BreakAction, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ProposeAgreementResponse(_message.Message):
    __slots__ = ["agreement"]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class QuoteRestructuringRequest(_message.Message):
    __slots__ = ["changes", "effective_date", "loan_id"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    changes: RestructuringChanges
    effective_date: str
    loan_id: str
    def __init__(self, loan_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., changes: _Optional[_Union[RestructuringChanges, _Mapping]] = ...) -> None: ...

class QuoteRestructuringResponse(_message.Message):
    __slots__ = ["apr_cap_percent", "apr_percent", "balance", "capitalised", "carried", "currency", "effective_date", "installments", "outstanding", "total_cost_after", "total_cost_before", "total_fees", "waived", "within_cap"]
    APR_CAP_PERCENT_FIELD_NUMBER: _ClassVar[int]
    APR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CAPITALISED_FIELD_NUMBER: _ClassVar[int]
    CARRIED_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_AFTER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEES_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    WITHIN_CAP_FIELD_NUMBER: _ClassVar[int]
    apr_cap_percent: str
    apr_percent: str
    balance: str
    capitalised: str
    carried: RestructuringCharges
    currency: str
    effective_date: str
    installments: _containers.RepeatedCompositeFieldContainer[_schedule_service_pb2.ScheduleInstallment]
    outstanding: _loan_service_pb2.Outstanding
    total_cost_after: str
    total_cost_before: str
    total_fees: str
    waived: RestructuringCharges
    within_cap: bool
    def __init__(self, installments: _Optional[_Iterable[_Union[_schedule_service_pb2.ScheduleInstallment, _Mapping]]] = ..., waived: _Optional[_Union[RestructuringCharges, _Mapping]] = ..., capitalised: _Optional[str] = ..., total_cost_before: _Optional[str] = ..., total_cost_after: _Optional[str] = ..., apr_percent: _Optional[str] = ..., within_cap: bool = ..., carried: _Optional[_Union[RestructuringCharges, _Mapping]] = ..., outstanding: _Optional[_Union[_loan_service_pb2.Outstanding, _Mapping]] = ..., balance: _Optional[str] = ..., effective_date: _Optional[str] = ..., currency: _Optional[str] = ..., apr_cap_percent: _Optional[str] = ..., total_fees: _Optional[str] = ...) -> None: ...

class RateChange(_message.Message):
    __slots__ = ["annual_rate_percent"]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    annual_rate_percent: str
    def __init__(self, annual_rate_percent: _Optional[str] = ...) -> None: ...

class Reamortisation(_message.Message):
    __slots__ = ["first_due_date", "frequency", "installment_count", "method"]
    FIRST_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    first_due_date: str
    frequency: _terms_pb2.Frequency
    installment_count: int
    method: _terms_pb2.RepaymentMethod
    def __init__(self, method: _Optional[_Union[_terms_pb2.RepaymentMethod, str]] = ..., installment_count: _Optional[int] = ..., frequency: _Optional[_Union[_terms_pb2.Frequency, _Mapping]] = ..., first_due_date: _Optional[str] = ...) -> None: ...

class RestructuringChanges(_message.Message):
    __slots__ = ["capitalisation", "interest_freeze_plan", "payment_holiday", "rate_change", "reamortisation", "term_extension", "waiver"]
    CAPITALISATION_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FREEZE_PLAN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_HOLIDAY_FIELD_NUMBER: _ClassVar[int]
    RATE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    REAMORTISATION_FIELD_NUMBER: _ClassVar[int]
    TERM_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    WAIVER_FIELD_NUMBER: _ClassVar[int]
    capitalisation: Capitalisation
    interest_freeze_plan: InterestFreezePlan
    payment_holiday: PaymentHoliday
    rate_change: RateChange
    reamortisation: Reamortisation
    term_extension: TermExtension
    waiver: RestructuringWaiver
    def __init__(self, term_extension: _Optional[_Union[TermExtension, _Mapping]] = ..., payment_holiday: _Optional[_Union[PaymentHoliday, _Mapping]] = ..., rate_change: _Optional[_Union[RateChange, _Mapping]] = ..., waiver: _Optional[_Union[RestructuringWaiver, _Mapping]] = ..., capitalisation: _Optional[_Union[Capitalisation, _Mapping]] = ..., reamortisation: _Optional[_Union[Reamortisation, _Mapping]] = ..., interest_freeze_plan: _Optional[_Union[InterestFreezePlan, _Mapping]] = ...) -> None: ...

class RestructuringCharges(_message.Message):
    __slots__ = ["compound", "fees", "interest", "penalty"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    compound: str
    fees: str
    interest: str
    penalty: str
    def __init__(self, interest: _Optional[str] = ..., penalty: _Optional[str] = ..., compound: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class RestructuringQuote(_message.Message):
    __slots__ = ["apr_cap_percent", "apr_percent", "balance", "capitalised", "carried", "currency", "effective_date", "installments", "outstanding", "total_cost_after", "total_cost_before", "total_fees", "waived", "within_cap"]
    APR_CAP_PERCENT_FIELD_NUMBER: _ClassVar[int]
    APR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CAPITALISED_FIELD_NUMBER: _ClassVar[int]
    CARRIED_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_AFTER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEES_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    WITHIN_CAP_FIELD_NUMBER: _ClassVar[int]
    apr_cap_percent: str
    apr_percent: str
    balance: str
    capitalised: str
    carried: RestructuringCharges
    currency: str
    effective_date: str
    installments: _containers.RepeatedCompositeFieldContainer[_schedule_service_pb2.ScheduleInstallment]
    outstanding: _loan_service_pb2.Outstanding
    total_cost_after: str
    total_cost_before: str
    total_fees: str
    waived: RestructuringCharges
    within_cap: bool
    def __init__(self, installments: _Optional[_Iterable[_Union[_schedule_service_pb2.ScheduleInstallment, _Mapping]]] = ..., waived: _Optional[_Union[RestructuringCharges, _Mapping]] = ..., capitalised: _Optional[str] = ..., total_cost_before: _Optional[str] = ..., total_cost_after: _Optional[str] = ..., apr_percent: _Optional[str] = ..., within_cap: bool = ..., carried: _Optional[_Union[RestructuringCharges, _Mapping]] = ..., outstanding: _Optional[_Union[_loan_service_pb2.Outstanding, _Mapping]] = ..., balance: _Optional[str] = ..., effective_date: _Optional[str] = ..., currency: _Optional[str] = ..., apr_cap_percent: _Optional[str] = ..., total_fees: _Optional[str] = ...) -> None: ...

class RestructuringWaiver(_message.Message):
    __slots__ = ["compound", "fees", "interest", "penalty"]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    compound: str
    fees: str
    interest: str
    penalty: str
    def __init__(self, penalty: _Optional[str] = ..., compound: _Optional[str] = ..., interest: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class TermExtension(_message.Message):
    __slots__ = ["extra_installments"]
    EXTRA_INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    extra_installments: int
    def __init__(self, extra_installments: _Optional[int] = ...) -> None: ...

class HolidayInterest(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgreementStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class BreakAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
