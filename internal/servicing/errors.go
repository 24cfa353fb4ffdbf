package servicing

import (
	"errors"
	"fmt"
)

// Errors of the use cases beside *PreconditionError and the store's errors;
// grpcapi maps every one of them to a gRPC status in one place.
var (
	// ErrRequestConflict: a request id was reused with a different body.
	ErrRequestConflict = errors.New("request_id was already used with a different request")
)

// Reason says why a request was refused for the state of a loan, an
// agreement or close of business. It is the type of the
// google.rpc.PreconditionFailure violation a FAILED_PRECONDITION carries,
// so clients branch on it: reasons are part of the API, documented in
// proto/loancore/v1, and never renamed.
type Reason string

// The reasons, in the order of the use cases that give them.
const (
	// ReasonLoanPaidOff: the loan is PAID_OFF; nothing is owed, so it
	// takes no payment, waiver, write-off or restructuring.
	ReasonLoanPaidOff Reason = "LOAN_PAID_OFF"
	// ReasonPaymentExceedsPayoff: the payment is more than everything owed
	// on its value date, and the loan does not keep credit.
	ReasonPaymentExceedsPayoff Reason = "PAYMENT_EXCEEDS_PAYOFF"
	// ReasonAlreadyReversed: the repayment was reversed already.
	ReasonAlreadyReversed Reason = "ALREADY_REVERSED"
	// ReasonNotARepayment: the event to reverse is not a repayment.
	ReasonNotARepayment Reason = "NOT_A_REPAYMENT"
	// ReasonAgreementSigned: the repayment is dated on or before a signed
	// agreement's effective date; reversing it would change the
	// agreement's figures.
	ReasonAgreementSigned Reason = "AGREEMENT_SIGNED"
	// ReasonWaiverExceedsOwed: a waiver asks for more of a component than
	// is owed of it on its value date.
	ReasonWaiverExceedsOwed Reason = "WAIVER_EXCEEDS_OWED"
	// ReasonAlreadyWrittenOff: the loan was written off already.
	ReasonAlreadyWrittenOff Reason = "ALREADY_WRITTEN_OFF"
	// ReasonLoanWrittenOff: a written-off loan is not restructured.
	ReasonLoanWrittenOff Reason = "LOAN_WRITTEN_OFF"
	// ReasonAgreementActive: the loan has an ACTIVE agreement (one at a
	// time), or the agreement to accept or cancel is ACTIVE.
	ReasonAgreementActive Reason = "AGREEMENT_ACTIVE"
	// ReasonAgreementCancelled, ReasonAgreementExpired,
	// ReasonAgreementBroken and ReasonAgreementCompleted: the agreement to
	// accept or cancel is no longer PROPOSED.
	ReasonAgreementCancelled Reason = "AGREEMENT_CANCELLED"
	ReasonAgreementExpired   Reason = "AGREEMENT_EXPIRED"
	ReasonAgreementBroken    Reason = "AGREEMENT_BROKEN"
	ReasonAgreementCompleted Reason = "AGREEMENT_COMPLETED"
	// ReasonMaxAgreementsPerLoan: the loan has signed as many agreements
	// as the policy allows.
	ReasonMaxAgreementsPerLoan Reason = "MAX_AGREEMENTS_PER_LOAN"
	// ReasonMinOnTimeInstallments: too few installments of the previous
	// agreement were paid on time for another deferral.
	ReasonMinOnTimeInstallments Reason = "MIN_ON_TIME_INSTALLMENTS"
	// ReasonMaxFreezeInstallments: a freeze plan longer than the policy
	// allows.
	ReasonMaxFreezeInstallments Reason = "MAX_FREEZE_INSTALLMENTS"
	// ReasonMaxExtensionMonths: the new plan would end too long after the
	// contract's maturity.
	ReasonMaxExtensionMonths Reason = "MAX_EXTENSION_MONTHS"
	// ReasonQuoteStale: the loan changed since the agreement was proposed,
	// so its plan would differ from the frozen quote.
	ReasonQuoteStale Reason = "QUOTE_STALE"
	// ReasonCOBOutOfOrder: a business date before the last one closed.
	ReasonCOBOutOfOrder Reason = "COB_OUT_OF_ORDER"
	// ReasonCOBLoansFailed: some loans or agreements could not be closed
	// for the date; running it again retries them.
	ReasonCOBLoansFailed Reason = "COB_LOANS_FAILED"
	// ReasonCOBNeverRan: close of business has never run, so there are
	// no positions.
	ReasonCOBNeverRan Reason = "COB_NEVER_RAN"
	// ReasonCOBNotClosed: positions are asked for a date that is not the
	// last closed one.
	ReasonCOBNotClosed Reason = "COB_NOT_CLOSED"
	// ReasonActionNotPending: the four-eyes action was approved or
	// rejected already.
	ReasonActionNotPending Reason = "ACTION_NOT_PENDING"
	// ReasonActionNoLongerApplies: the loan changed since the action was
	// requested, so that its request would now be refused; it stays
	// pending, to be rejected.
	ReasonActionNoLongerApplies Reason = "ACTION_NO_LONGER_APPLIES"
	// ReasonInterestRecalculation: the loan charges interest on the actual
	// balance (interest_recalculation), which restructuring agreements do
	// not handle yet: an agreement's new plan would drop the balance-days
	// its interest is worked out from.
	ReasonInterestRecalculation Reason = "INTEREST_RECALCULATION"
	// ReasonLimitExceeded: a drawdown asks for more than its credit line
	// has available; the message says how much is.
	ReasonLimitExceeded Reason = "LIMIT_EXCEEDED"
	// ReasonCreditLineFrozen: the line is frozen, so it takes no
	// drawdown (or is frozen already).
	ReasonCreditLineFrozen Reason = "CREDIT_LINE_FROZEN"
	// ReasonCreditLineNotFrozen: unfreezing a line that is not frozen.
	ReasonCreditLineNotFrozen Reason = "CREDIT_LINE_NOT_FROZEN"
	// ReasonCreditLineClosed: the line is closed; nothing changes it.
	ReasonCreditLineClosed Reason = "CREDIT_LINE_CLOSED"
	// ReasonCreditLineExpired: a drawdown after the line's expires_on.
	ReasonCreditLineExpired Reason = "CREDIT_LINE_EXPIRED"
	// ReasonNoApprovedAmount: a tranche of a loan whose terms have no
	// approved_amount, so take no tranches.
	ReasonNoApprovedAmount Reason = "NO_APPROVED_AMOUNT"
	// ReasonApprovedAmountExceeded: the tranches would lend more than the
	// loan's approved_amount; the message says how much is left.
	ReasonApprovedAmountExceeded Reason = "APPROVED_AMOUNT_EXCEEDED"
	// ReasonAPRAboveMaximum: a quoted schedule's APR is above the
	// maximum of a server that refuses such quotes (APRPolicy).
	ReasonAPRAboveMaximum Reason = "APR_ABOVE_MAXIMUM"
)

// The subjects of a refusal: the aggregate whose state refused the
// request, beside the reason in google.rpc.PreconditionFailure, so a
// client can tell which record to look at without knowing every reason.
const (
	// SubjectLoan: the loan, its agreements and its four-eyes actions
	// (which live in the loan's log).
	SubjectLoan = "loan"
	// SubjectCreditLine: the credit line.
	SubjectCreditLine = "credit_line"
	// SubjectCloseOfBusiness: close of business's runs of business dates.
	SubjectCloseOfBusiness = "close_of_business"
	// SubjectTerms: the terms of a quote, which has no aggregate behind
	// it (a QuoteSchedule whose APR is above the server's maximum).
	SubjectTerms = "terms"
)

// Subject is the aggregate whose state gives the reason: SubjectLoan
// unless the reason is a credit line's or close of business's, or the
// request's terms themselves were refused (SubjectTerms).
func (r Reason) Subject() string {
	switch r {
	case ReasonAPRAboveMaximum:
		return SubjectTerms
	case ReasonLimitExceeded, ReasonCreditLineFrozen, ReasonCreditLineNotFrozen, ReasonCreditLineClosed, ReasonCreditLineExpired:
		return SubjectCreditLine
	case ReasonCOBOutOfOrder, ReasonCOBLoansFailed, ReasonCOBNeverRan, ReasonCOBNotClosed:
		return SubjectCloseOfBusiness
	}
	return SubjectLoan
}

// Reasons lists every reason, for the tests that each is documented in the
// proto and reachable through the API.
func Reasons() []Reason {
	return []Reason{
		ReasonLoanPaidOff, ReasonPaymentExceedsPayoff, ReasonAlreadyReversed, ReasonNotARepayment, ReasonAgreementSigned,
		ReasonWaiverExceedsOwed, ReasonAlreadyWrittenOff, ReasonLoanWrittenOff, ReasonAgreementActive,
		ReasonAgreementCancelled, ReasonAgreementExpired, ReasonAgreementBroken, ReasonAgreementCompleted,
		ReasonMaxAgreementsPerLoan, ReasonMinOnTimeInstallments, ReasonMaxFreezeInstallments, ReasonMaxExtensionMonths,
		ReasonQuoteStale, ReasonCOBOutOfOrder, ReasonCOBLoansFailed, ReasonCOBNeverRan, ReasonCOBNotClosed,
		ReasonActionNotPending, ReasonActionNoLongerApplies, ReasonInterestRecalculation,
		ReasonLimitExceeded, ReasonCreditLineFrozen, ReasonCreditLineNotFrozen, ReasonCreditLineClosed, ReasonCreditLineExpired,
		ReasonNoApprovedAmount, ReasonApprovedAmountExceeded, ReasonAPRAboveMaximum,
	}
}

// PreconditionError is a request refused because of the state of a loan,
// an agreement or close of business (paying a paid-off loan, accepting a
// cancelled agreement, closing dates out of order).
type PreconditionError struct {
	Reason  Reason
	Message string
}

func (e *PreconditionError) Error() string { return e.Message }

// refuse returns a *PreconditionError for reason with a formatted message.
func refuse(reason Reason, format string, args ...any) *PreconditionError {
	return &PreconditionError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// notProposed refuses to accept or cancel (verb) an agreement that is no
// longer PROPOSED, with the reason its status names.
func notProposed(a AgreementView, verb string) *PreconditionError {
	reason := map[string]Reason{AgreementActive: ReasonAgreementActive, AgreementCancelled: ReasonAgreementCancelled,
		AgreementExpired: ReasonAgreementExpired, AgreementBroken: ReasonAgreementBroken, AgreementCompleted: ReasonAgreementCompleted}[a.Status]
	return refuse(reason, "agreement %s is %s; only a PROPOSED agreement can be %s", a.AgreementID, a.Status, verb)
}

// errStaleCache asks for a decision made from a fold in hand (a cache
// entry, or a snapshot and the events after it) to be made again from the
// whole log: the cache cannot tell a refusal from a retry of a request
// that was accepted, and neither has the log that a backdated payment's
// replay or a refusal's payoff figure needs.
var errStaleCache = errors.New("decided from the cache")
