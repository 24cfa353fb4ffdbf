from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ALLOCATION_ORDER_ALL_INTEREST_FIRST: AllocationOrder
ALLOCATION_ORDER_CIVIL_CODE: AllocationOrder
ALLOCATION_ORDER_INTEREST_FIRST: AllocationOrder
ALLOCATION_ORDER_PENALTY_FIRST: AllocationOrder
ALLOCATION_ORDER_PRINCIPAL_FIRST: AllocationOrder
ALLOCATION_ORDER_UNSPECIFIED: AllocationOrder
CHARGE_BASIS_ORIGINAL_PRINCIPAL: ChargeBasis
CHARGE_BASIS_OUTSTANDING_PRINCIPAL: ChargeBasis
CHARGE_BASIS_OVERDUE_AMOUNT: ChargeBasis
CHARGE_BASIS_PREPAID_PRINCIPAL: ChargeBasis
CHARGE_BASIS_UNSPECIFIED: ChargeBasis
CHARGE_KIND_LATE_FEE: ChargeKind
CHARGE_KIND_PREPAYMENT_FEE: ChargeKind
CHARGE_KIND_SERVICE_FEE: ChargeKind
CHARGE_KIND_UNSPECIFIED: ChargeKind
CHARGE_KIND_UPFRONT: ChargeKind
DAY_COUNT_ACT_360: DayCount
DAY_COUNT_ACT_364: DayCount
DAY_COUNT_ACT_365_FIXED: DayCount
DAY_COUNT_ACT_ACT: DayCount
DAY_COUNT_THIRTY_360: DayCount
DAY_COUNT_UNSPECIFIED: DayCount
DESCRIPTOR: _descriptor.FileDescriptor
EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT: EarlyPayment
EARLY_PAYMENT_PREPAY_PRINCIPAL: EarlyPayment
EARLY_PAYMENT_UNSPECIFIED: EarlyPayment
FREQUENCY_UNIT_DAY: FrequencyUnit
FREQUENCY_UNIT_MONTH: FrequencyUnit
FREQUENCY_UNIT_SEMI_MONTH: FrequencyUnit
FREQUENCY_UNIT_UNSPECIFIED: FrequencyUnit
FREQUENCY_UNIT_WEEK: FrequencyUnit
GRACE_MODE_FROM_DUE_DATE: GraceMode
GRACE_MODE_FROM_GRACE_END: GraceMode
GRACE_MODE_UNSPECIFIED: GraceMode
INTEREST_ACCRUAL_DAILY: InterestAccrual
INTEREST_ACCRUAL_PERIODIC: InterestAccrual
INTEREST_ACCRUAL_UNSPECIFIED: InterestAccrual
OVERDUE_CONTRACT_INTEREST_BESIDE_PENALTY: OverdueContractInterest
OVERDUE_CONTRACT_INTEREST_REPLACED_BY_PENALTY: OverdueContractInterest
OVERDUE_CONTRACT_INTEREST_UNSPECIFIED: OverdueContractInterest
OVERPAYMENT_POLICY_KEEP_CREDIT: OverpaymentPolicy
OVERPAYMENT_POLICY_REFUSE: OverpaymentPolicy
OVERPAYMENT_POLICY_UNSPECIFIED: OverpaymentPolicy
PAYMENT_TIMING_IN_ADVANCE: PaymentTiming
PAYMENT_TIMING_IN_ARREARS: PaymentTiming
PAYMENT_TIMING_UNSPECIFIED: PaymentTiming
PENALTY_BASIS_OVERDUE_PRINCIPAL: PenaltyBasis
PENALTY_BASIS_OVERDUE_PRINCIPAL_AND_INTEREST: PenaltyBasis
PENALTY_BASIS_UNSPECIFIED: PenaltyBasis
PREPAYMENT_POLICY_KEEP_INSTALLMENT: PrepaymentPolicy
PREPAYMENT_POLICY_REDUCE_INSTALLMENT: PrepaymentPolicy
PREPAYMENT_POLICY_REDUCE_TERM: PrepaymentPolicy
PREPAYMENT_POLICY_UNSPECIFIED: PrepaymentPolicy
REPAYMENT_METHOD_BULLET: RepaymentMethod
REPAYMENT_METHOD_EQUAL_INSTALLMENT: RepaymentMethod
REPAYMENT_METHOD_EQUAL_PRINCIPAL: RepaymentMethod
REPAYMENT_METHOD_FLAT: RepaymentMethod
REPAYMENT_METHOD_INTEREST_ONLY: RepaymentMethod
REPAYMENT_METHOD_UNSPECIFIED: RepaymentMethod
ROUNDING_MODE_CEILING: RoundingMode
ROUNDING_MODE_DOWN: RoundingMode
ROUNDING_MODE_HALF_EVEN: RoundingMode
ROUNDING_MODE_HALF_UP: RoundingMode
ROUNDING_MODE_UNSPECIFIED: RoundingMode
ROUNDING_MODE_UP: RoundingMode

class Charge(_message.Message):
    __slots__ = ["amount", "basis", "cap", "free_after_installments", "kind", "percent"]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    FREE_AFTER_INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    amount: str
    basis: ChargeBasis
    cap: str
    free_after_installments: int
    kind: ChargeKind
    percent: str
    def __init__(self, kind: _Optional[_Union[ChargeKind, str]] = ..., amount: _Optional[str] = ..., percent: _Optional[str] = ..., basis: _Optional[_Union[ChargeBasis, str]] = ..., cap: _Optional[str] = ..., free_after_installments: _Optional[int] = ...) -> None: ...

class Frequency(_message.Message):
    __slots__ = ["days_of_month", "every", "unit"]
    DAYS_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    EVERY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    days_of_month: _containers.RepeatedScalarFieldContainer[int]
    every: int
    unit: FrequencyUnit
    def __init__(self, unit: _Optional[_Union[FrequencyUnit, str]] = ..., every: _Optional[int] = ..., days_of_month: _Optional[_Iterable[int]] = ...) -> None: ...

class LoanTerms(_message.Message):
    __slots__ = ["allocation_order", "annual_rate_equivalent_percent", "annual_rate_percent", "approved_amount", "charges", "currency", "daily_rate_percent", "day_count", "disbursement_date", "early_payment", "first_due_date", "frequency", "installment_amount", "installment_count", "interest_accrual", "interest_free_periods", "interest_recalculation", "level_installment_over_actual_periods", "method", "monthly_rate_percent", "overpayment", "payment_timing", "penalty", "prepayment", "principal", "principal_grace_periods", "rounding", "upfront_fee"]
    ALLOCATION_ORDER_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_EQUIVALENT_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DAILY_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DAY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DISBURSEMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    EARLY_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    INTEREST_ACCRUAL_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FREE_PERIODS_FIELD_NUMBER: _ClassVar[int]
    INTEREST_RECALCULATION_FIELD_NUMBER: _ClassVar[int]
    LEVEL_INSTALLMENT_OVER_ACTUAL_PERIODS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    OVERPAYMENT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TIMING_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    PREPAYMENT_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_GRACE_PERIODS_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    UPFRONT_FEE_FIELD_NUMBER: _ClassVar[int]
    allocation_order: AllocationOrder
    annual_rate_equivalent_percent: str
    annual_rate_percent: str
    approved_amount: str
    charges: _containers.RepeatedCompositeFieldContainer[Charge]
    currency: str
    daily_rate_percent: str
    day_count: DayCount
    disbursement_date: str
    early_payment: EarlyPayment
    first_due_date: str
    frequency: Frequency
    installment_amount: str
    installment_count: int
    interest_accrual: InterestAccrual
    interest_free_periods: int
    interest_recalculation: bool
    level_installment_over_actual_periods: bool
    method: RepaymentMethod
    monthly_rate_percent: str
    overpayment: OverpaymentPolicy
    payment_timing: PaymentTiming
    penalty: PenaltyPolicy
    prepayment: PrepaymentPolicy
    principal: str
    principal_grace_periods: int
    rounding: Rounding
    upfront_fee: str
    def __init__(self, currency: _Optional[str] = ..., principal: _Optional[str] = ..., annual_rate_percent: _Optional[str] = ..., installment_count: _Optional[int] = ..., frequency: _Optional[_Union[Frequency, _Mapping]] = ..., method: _Optional[_Union[RepaymentMethod, str]] = ..., disbursement_date: _Optional[str] = ..., first_due_date: _Optional[str] = ..., interest_accrual: _Optional[_Union[InterestAccrual, str]] = ..., day_count: _Optional[_Union[DayCount, str]] = ..., rounding: _Optional[_Union[Rounding, _Mapping]] = ..., principal_grace_periods: _Optional[int] = ..., interest_free_periods: _Optional[int] = ..., upfront_fee: _Optional[str] = ..., allocation_order: _Optional[_Union[AllocationOrder, str]] = ..., prepayment: _Optional[_Union[PrepaymentPolicy, str]] = ..., overpayment: _Optional[_Union[OverpaymentPolicy, str]] = ..., penalty: _Optional[_Union[PenaltyPolicy, _Mapping]] = ..., daily_rate_percent: _Optional[str] = ..., monthly_rate_percent: _Optional[str] = ..., payment_timing: _Optional[_Union[PaymentTiming, str]] = ..., installment_amount: _Optional[str] = ..., annual_rate_equivalent_percent: _Optional[str] = ..., interest_recalculation: bool = ..., approved_amount: _Optional[str] = ..., level_installment_over_actual_periods: bool = ..., early_payment: _Optional[_Union[EarlyPayment, str]] = ..., charges: _Optional[_Iterable[_Union[Charge, _Mapping]]] = ...) -> None: ...

class PenaltyPolicy(_message.Message):
    __slots__ = ["annual_rate_percent", "basis", "cap_annual_percent", "compound_overdue_interest", "day_count", "grace_days", "grace_mode", "markup_percent", "overdue_contract_interest"]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CAP_ANNUAL_PERCENT_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_OVERDUE_INTEREST_FIELD_NUMBER: _ClassVar[int]
    DAY_COUNT_FIELD_NUMBER: _ClassVar[int]
    GRACE_DAYS_FIELD_NUMBER: _ClassVar[int]
    GRACE_MODE_FIELD_NUMBER: _ClassVar[int]
    MARKUP_PERCENT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_CONTRACT_INTEREST_FIELD_NUMBER: _ClassVar[int]
    annual_rate_percent: str
    basis: PenaltyBasis
    cap_annual_percent: str
    compound_overdue_interest: bool
    day_count: DayCount
    grace_days: int
    grace_mode: GraceMode
    markup_percent: str
    overdue_contract_interest: OverdueContractInterest
    def __init__(self, annual_rate_percent: _Optional[str] = ..., markup_percent: _Optional[str] = ..., basis: _Optional[_Union[PenaltyBasis, str]] = ..., compound_overdue_interest: bool = ..., day_count: _Optional[_Union[DayCount, str]] = ..., grace_days: _Optional[int] = ..., grace_mode: _Optional[_Union[GraceMode, str]] = ..., cap_annual_percent: _Optional[str] = ..., overdue_contract_interest: _Optional[_Union[OverdueContractInterest, str]] = ...) -> None: ...

class Rounding(_message.Message):
    __slots__ = ["installment_multiple", "mode"]
    INSTALLMENT_MULTIPLE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    installment_multiple: str
    mode: RoundingMode
    def __init__(self, mode: _Optional[_Union[RoundingMode, str]] = ..., installment_multiple: _Optional[str] = ...) -> None: ...

class ChargeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ChargeBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class OverdueContractInterest(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PenaltyBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GraceMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AllocationOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EarlyPayment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PrepaymentPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class OverpaymentPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class FrequencyUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PaymentTiming(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RepaymentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class InterestAccrual(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DayCount(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RoundingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
