from loancore.v1 import terms_pb2 as _terms_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

APR_METHOD_IRR_NOMINAL: AprMethod
APR_METHOD_UNSPECIFIED: AprMethod
APR_METHOD_US_ACTUARIAL: AprMethod
DESCRIPTOR: _descriptor.FileDescriptor

class AprPayment(_message.Message):
    __slots__ = ["amount", "date"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    amount: str
    date: str
    def __init__(self, amount: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class ComputeAprRequest(_message.Message):
    __slots__ = ["advance_date", "amount_advanced", "apr_decimal_places", "currency", "method", "payments", "unit_period"]
    ADVANCE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_ADVANCED_FIELD_NUMBER: _ClassVar[int]
    APR_DECIMAL_PLACES_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    UNIT_PERIOD_FIELD_NUMBER: _ClassVar[int]
    advance_date: str
    amount_advanced: str
    apr_decimal_places: int
    currency: str
    method: AprMethod
    payments: _containers.RepeatedCompositeFieldContainer[AprPayment]
    unit_period: _terms_pb2.Frequency
    def __init__(self, amount_advanced: _Optional[str] = ..., advance_date: _Optional[str] = ..., payments: _Optional[_Iterable[_Union[AprPayment, _Mapping]]] = ..., method: _Optional[_Union[AprMethod, str]] = ..., unit_period: _Optional[_Union[_terms_pb2.Frequency, _Mapping]] = ..., currency: _Optional[str] = ..., apr_decimal_places: _Optional[int] = ...) -> None: ...

class ComputeAprResponse(_message.Message):
    __slots__ = ["apr_percent"]
    APR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    apr_percent: str
    def __init__(self, apr_percent: _Optional[str] = ...) -> None: ...

class QuoteScheduleRequest(_message.Message):
    __slots__ = ["apr_decimal_places", "terms"]
    APR_DECIMAL_PLACES_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    apr_decimal_places: int
    terms: _terms_pb2.LoanTerms
    def __init__(self, terms: _Optional[_Union[_terms_pb2.LoanTerms, _Mapping]] = ..., apr_decimal_places: _Optional[int] = ...) -> None: ...

class QuoteScheduleResponse(_message.Message):
    __slots__ = ["amount_advanced", "annual_rate_equivalent_percent", "apr_above_maximum", "apr_maximum_percent", "apr_percent", "currency", "installment_amount", "installments", "maturity_date", "total_cost", "total_fees", "total_interest", "total_payment", "total_principal", "upfront_fee"]
    AMOUNT_ADVANCED_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_EQUIVALENT_PERCENT_FIELD_NUMBER: _ClassVar[int]
    APR_ABOVE_MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    APR_MAXIMUM_PERCENT_FIELD_NUMBER: _ClassVar[int]
    APR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MATURITY_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INTEREST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    UPFRONT_FEE_FIELD_NUMBER: _ClassVar[int]
    amount_advanced: str
    annual_rate_equivalent_percent: str
    apr_above_maximum: bool
    apr_maximum_percent: str
    apr_percent: str
    currency: str
    installment_amount: str
    installments: _containers.RepeatedCompositeFieldContainer[ScheduleInstallment]
    maturity_date: str
    total_cost: str
    total_fees: str
    total_interest: str
    total_payment: str
    total_principal: str
    upfront_fee: str
    def __init__(self, installments: _Optional[_Iterable[_Union[ScheduleInstallment, _Mapping]]] = ..., installment_amount: _Optional[str] = ..., total_interest: _Optional[str] = ..., total_payment: _Optional[str] = ..., maturity_date: _Optional[str] = ..., apr_percent: _Optional[str] = ..., currency: _Optional[str] = ..., total_principal: _Optional[str] = ..., amount_advanced: _Optional[str] = ..., annual_rate_equivalent_percent: _Optional[str] = ..., total_fees: _Optional[str] = ..., upfront_fee: _Optional[str] = ..., total_cost: _Optional[str] = ..., apr_above_maximum: bool = ..., apr_maximum_percent: _Optional[str] = ...) -> None: ...

class ScheduleInstallment(_message.Message):
    __slots__ = ["balance_after", "due_date", "fees", "interest", "number", "principal", "start_date", "total"]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    balance_after: str
    due_date: str
    fees: str
    interest: str
    number: int
    principal: str
    start_date: str
    total: str
    def __init__(self, number: _Optional[int] = ..., due_date: _Optional[str] = ..., principal: _Optional[str] = ..., interest: _Optional[str] = ..., total: _Optional[str] = ..., balance_after: _Optional[str] = ..., start_date: _Optional[str] = ..., fees: _Optional[str] = ...) -> None: ...

class AprMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
