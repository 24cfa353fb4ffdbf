package store

import (
	"context"
	"time"
)

// Agreements is the projection of restructuring agreements: which loan's
// log holds each one and its status as of its last event. The log is the
// truth; the rows serve lookups by id and listings by status across loans.
// Rows are written with their event (AppendEventParams.Agreement).
type Agreements interface {
	// FindAgreement returns an agreement's projection row. ErrNotFound if
	// unknown.
	FindAgreement(ctx context.Context, p AgreementKey) (AgreementRecord, error)
	// ListAgreements returns agreement rows ordered by id, filtered, at
	// most Limit.
	ListAgreements(ctx context.Context, p AgreementQuery) ([]AgreementRecord, error)
	// SaveAgreement rewrites an existing agreement's projection row, for a
	// status that came with time rather than with an event (COMPLETED).
	// ErrNotFound if the row does not exist for that loan.
	SaveAgreement(ctx context.Context, p AgreementRecord) error
}

// AgreementRecord is a restructuring agreement's row in the agreements
// projection.
type AgreementRecord struct {
	AgreementID string
	LoanID      string
	Status      string
	UpdatedAt   time.Time
}

// AgreementKey names one agreement, for Agreements.FindAgreement.
type AgreementKey struct{ AgreementID string }

// AgreementQuery is the input of Agreements.ListAgreements.
type AgreementQuery struct {
	LoanID string
	// Statuses keeps rows with any of these statuses; empty keeps all.
	Statuses []string
	// AfterAgreementID continues a listing after this id.
	AfterAgreementID string
	Limit            int
}
