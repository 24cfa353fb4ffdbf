package store

// The values a store writes and reads back as they are: the kinds of a
// loan's events and a loan's status in the projection. They are part of
// the contract because they are persisted (a stored log must read the
// same after an upgrade) and because close of business's queries select
// ACTIVE loans.

// Loan statuses, as the loans projection holds them.
const (
	StatusActive     = "ACTIVE"
	StatusPaidOff    = "PAID_OFF"
	StatusWrittenOff = "WRITTEN_OFF"
)

// Event kinds of a loan's log.
const (
	KindOrigination  = "ORIGINATION"
	KindDisbursement = "DISBURSEMENT"
	KindRepayment    = "REPAYMENT"
	KindReversal     = "REPAYMENT_REVERSAL"
	KindWaiver       = "WAIVER"
	KindWriteOff     = "WRITE_OFF"
	// KindTranche lends another tranche of a loan with an approved
	// amount: Amount on ValueDate.
	KindTranche = "TRANCHE"
	// KindAgreementProposed carries a restructuring agreement with its
	// quote frozen in it.
	KindAgreementProposed = "AGREEMENT_PROPOSED"
	// KindAgreementAccepted (value date = the effective date) makes the
	// fold apply the agreement's changes.
	KindAgreementAccepted = "AGREEMENT_ACCEPTED"
	// KindAgreementCancelled withdraws a proposal.
	KindAgreementCancelled = "AGREEMENT_CANCELLED"
	// KindAgreementBroken, written by close of business, ends an
	// agreement whose borrower missed its plan.
	KindAgreementBroken = "AGREEMENT_BROKEN"
	// KindActionRequested holds a call for a second person's approval
	// (four-eyes): the request rides in its payload; the fold ignores it.
	KindActionRequested = "ACTION_REQUESTED"
	// KindActionRejected ends a held call unexecuted.
	KindActionRejected = "ACTION_REJECTED"
)

// Four-eyes action statuses, as the actions projection holds them.
const (
	ActionPending  = "PENDING_APPROVAL"
	ActionApproved = "APPROVED"
	ActionRejected = "REJECTED"
)

// Close-of-business run statuses.
const (
	COBRunning   = "RUNNING"
	COBCompleted = "COMPLETED"
)
