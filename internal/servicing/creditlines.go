package servicing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// CreditLines runs the credit line use cases (授信额度). A line is an
// aggregate with its own log, folded like a loan; its loans are loans of
// Loans, booked by Drawdown together with the line's DRAWDOWN event.
type CreditLines struct {
	loans *Loans
	store store.CreditLines
}

// NewCreditLines returns the credit line use cases over s; loans books
// and reads the lines' loans (on the same database: a drawdown writes both
// in one transaction).
func NewCreditLines(loans *Loans, s store.CreditLines) *CreditLines {
	return &CreditLines{loans: loans, store: s}
}

// DrawdownBounds say what a drawdown may choose instead of the template's
// installment count and method. Zero counts mean the template's.
type DrawdownBounds struct {
	MinInstallments, MaxInstallments int
	Methods                          []engine.Method
}

// lineDoc is what a line keeps of its opening beside its row: the
// drawdown template (a terms document whose principal is the opening
// limit and whose disbursement date is the opening day, both replaced by
// each drawdown's) and the bounds.
type lineDoc struct {
	Template        json.RawMessage `json:"template"`
	MinInstallments int             `json:"min_installment_count,omitempty"`
	MaxInstallments int             `json:"max_installment_count,omitempty"`
	Methods         []string        `json:"methods,omitempty"`
}

func encodeLineDoc(template engine.Terms, b DrawdownBounds) ([]byte, error) {
	t, err := encodeTerms(template, "") // a template books no loan, so has no APR
	if err != nil {
		return nil, err
	}
	d := lineDoc{Template: t, MinInstallments: b.MinInstallments, MaxInstallments: b.MaxInstallments}
	for _, m := range b.Methods {
		d.Methods = append(d.Methods, methodNames[m])
	}
	return json.Marshal(d)
}

func decodeLineDoc(b []byte) (engine.Terms, DrawdownBounds, error) {
	var d lineDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return engine.Terms{}, DrawdownBounds{}, fmt.Errorf("credit line document: %w", err)
	}
	t, err := DecodeTerms(d.Template)
	if err != nil {
		return t, DrawdownBounds{}, err
	}
	bounds := DrawdownBounds{MinInstallments: d.MinInstallments, MaxInstallments: d.MaxInstallments}
	for _, name := range d.Methods {
		m, err := lookup(methodNames, name)
		if err != nil {
			return t, bounds, fmt.Errorf("credit line document: %w", err)
		}
		bounds.Methods = append(bounds.Methods, engine.Method(m))
	}
	return t, bounds, nil
}

// OpenCreditLineParams are the inputs of OpenCreditLine.
type OpenCreditLineParams struct {
	RequestID    string
	RequestHash  string
	CreditLineID string
	BorrowerID   string
	Limit        money.Amount
	// ExpiresOn is the last day of drawdowns, or NoDate.
	ExpiresOn engine.Date
	Revolving bool
	// Template is the terms each drawdown is booked on, with its
	// principal and disbursement date unset (grpcapi parsed it with
	// placeholders; OpenCreditLine sets them to the limit and today).
	Template   engine.Terms
	Bounds     DrawdownBounds
	Actor      string
	OnBehalfOf string
}

// checkOpen returns what is wrong with an OpenCreditLine request.
func checkOpen(p OpenCreditLineParams, today engine.Date) error {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.CreditLineID != "" && !validID(p.CreditLineID) {
		e.Add("credit_line_id", "1 to 64 letters, digits or . _ : -")
	}
	if !validID(p.BorrowerID) {
		e.Add("borrower_id", "required: 1 to 64 letters, digits or . _ : -")
	}
	if p.Limit <= 0 {
		e.Add("limit", "required, greater than zero")
	}
	if p.ExpiresOn != engine.NoDate && p.ExpiresOn < today {
		e.Add("expires_on", "must not be in the past (today is %s)", today)
	}
	t := lineTemplate(p.Template, p.Limit, today)
	var inv *engine.InvalidError
	if err := t.Validate(); errors.As(err, &inv) {
		for _, v := range inv.Prefixed("drawdown_terms.").Violations {
			if v.Field != "drawdown_terms.principal" && v.Field != "drawdown_terms.disbursement_date" {
				e.Violations = append(e.Violations, v)
			}
		}
	}
	b := p.Bounds
	if b.MinInstallments < 0 || (b.MinInstallments > 0 && b.MinInstallments > p.Template.InstallmentCount) {
		e.Add("drawdown_bounds.min_installment_count", "must be between 0 and the template's installment_count (%d)", p.Template.InstallmentCount)
	}
	if b.MaxInstallments != 0 && b.MaxInstallments < p.Template.InstallmentCount {
		e.Add("drawdown_bounds.max_installment_count", "must be 0 or at least the template's installment_count (%d)", p.Template.InstallmentCount)
	}
	return e.Err()
}

// OpenCreditLine grants a line: its row and its OPENED event, with the
// request recorded on it. A retry answers with the line as the first call
// opened it.
func (c *CreditLines) OpenCreditLine(ctx context.Context, p OpenCreditLineParams) (CreditLineView, error) {
	now := c.loans.now().UTC()
	today := c.loans.dateAt(now)
	if err := checkOpen(p, today); err != nil {
		return CreditLineView{}, err
	}
	req := request{method: "OpenCreditLine", id: p.RequestID, hash: p.RequestHash}
	if v, ok, err := c.answeredBefore(ctx, req); ok || err != nil {
		return v, err
	}
	rec, err := newLine(p, req, now, today)
	if err != nil {
		return CreditLineView{}, err
	}
	err = c.store.OpenCreditLine(ctx, rec)
	if errors.Is(err, store.ErrDuplicate) {
		// A concurrent retry of this request won, or the id is taken.
		if v, ok, err := c.answeredBefore(ctx, req); ok || err != nil {
			return v, err
		}
		return CreditLineView{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "credit_line_id", Description: "already exists"}}}
	}
	if err != nil {
		return CreditLineView{}, err
	}
	return c.GetCreditLine(ctx, GetCreditLineParams{CreditLineID: rec.Line.CreditLineID, AsOf: today, KnownAt: now})
}

// answeredBefore answers a retry of a line request (one recorded on a
// line's event) with the line as the first call left it, and true; false
// if the request is new.
func (c *CreditLines) answeredBefore(ctx context.Context, req request) (CreditLineView, bool, error) {
	r, ok, err := c.loans.replay(ctx, req.id, req.method, req.hash)
	if err != nil || !ok {
		return CreditLineView{}, ok, err
	}
	v, err := c.answer(ctx, r)
	return v, true, err
}

// answer rebuilds the line a recorded line request answered with: as of
// its day, as known when it was recorded.
func (c *CreditLines) answer(ctx context.Context, r store.RequestRecord) (CreditLineView, error) {
	if r.CreditLineID == "" {
		return CreditLineView{}, ErrRequestConflict
	}
	return c.GetCreditLine(ctx, GetCreditLineParams{CreditLineID: r.CreditLineID, AsOf: c.loans.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
}

// newLine is what OpenCreditLine writes. An empty line id takes a
// server-assigned one.
func newLine(p OpenCreditLineParams, req request, now time.Time, today engine.Date) (store.NewCreditLineRecord, error) {
	id := p.CreditLineID
	if id == "" {
		id = newCreditLineID(now)
	}
	doc, err := encodeLineDoc(lineTemplate(p.Template, p.Limit, today), p.Bounds)
	if err != nil {
		return store.NewCreditLineRecord{}, err
	}
	expires := ""
	if p.ExpiresOn != engine.NoDate {
		expires = p.ExpiresOn.String()
	}
	cur := p.Template.Currency
	return store.NewCreditLineRecord{
		Line: store.CreditLineRecord{CreditLineID: id, BorrowerID: p.BorrowerID, Currency: cur.Code, Revolving: p.Revolving, ExpiresOn: expires,
			Terms: doc, Status: store.LineStatusActive, CreatedAt: now},
		Event: store.CreditLineEventRecord{CreditLineID: id, Seq: 1, Kind: store.LineKindOpened, ValueDate: today.String(), RecordedAt: now,
			RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Amount: p.Limit.Format(cur)},
		Request: store.RequestRecord{RequestID: req.id, Method: req.method, RequestHash: req.hash, CreditLineID: id, Seq: 1, RecordedAt: now},
	}, nil
}

// newCreditLineID returns a server-assigned line id that sorts by creation
// and never collides.
func newCreditLineID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("CL%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// allowedMethod reports whether a drawdown may ask for method m.
func (b DrawdownBounds) allowedMethod(template, m engine.Method) bool {
	return m == template || slices.Contains(b.Methods, m)
}

// lineTemplate is the template as a line keeps it: principal the opening
// limit (or the template's approved_amount, when it lets the drawn loans
// take tranches up to less than that) and disbursement the opening day,
// both replaced by each drawdown's.
func lineTemplate(t engine.Terms, limit money.Amount, today engine.Date) engine.Terms {
	t.Principal, t.DisbursementDate = limit, today
	if t.ApprovedAmount != 0 {
		t.Principal = min(limit, t.ApprovedAmount)
	}
	return t
}
