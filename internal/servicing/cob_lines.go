package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// freezeLines runs the credit line policy of close of business for
// business date d: a line any of whose loans is freezeDays or more past
// due at the end of d is frozen; a line close of business froze is
// unfrozen once none is. Lines an operator froze are left to the
// operator. It reads only the lines whose freeze could change (the
// store's LinesToReview, from the positions of d just saved), not every
// open line: at 1,000 lines with 10 past due that is a hundredth of the
// work (docs/benchmarks.md). It returns how many lines could not be
// checked (each is logged); an error means the lines could not be listed
// at all.
func (c *Close) freezeLines(ctx context.Context, d engine.Date) (int, error) {
	if c.lines == nil || c.freezeDays <= 0 {
		return 0, nil
	}
	failed := 0
	for after := ""; ; {
		page, err := c.lines.store.LinesToReview(ctx, store.LineReviewQuery{AsOf: d, MinDaysPastDue: c.freezeDays,
			FrozenBy: CloseOfBusinessActor, AfterCreditLineID: after, Limit: c.batch})
		if err != nil {
			return failed, err
		}
		for _, id := range page {
			kind, err := c.lines.freezeByDPD(ctx, id, d, c.freezeDays)
			switch {
			case ctx.Err() != nil:
				return failed, ctx.Err()
			case err != nil:
				failed++
				c.log.ErrorContext(ctx, "close of business: credit line not checked", "business_date", d.String(),
					"credit_line_id", id, "error", err)
			case kind != "":
				c.log.InfoContext(ctx, "close of business: credit line "+kind, "business_date", d.String(), "credit_line_id", id)
			}
		}
		if len(page) < c.batch {
			return failed, nil
		}
		after = page[len(page)-1]
	}
}

// freezeByDPD freezes or unfreezes one line by its loans' days past due
// at the end of d, and returns the kind of the event it appended ("" for
// none). The request id is derived from the line and the date, so running
// the date again changes nothing; the event takes the line's next seq, so
// a drawdown decided before it loses the race and meets the freeze.
func (c *CreditLines) freezeByDPD(ctx context.Context, lineID string, d engine.Date, days int) (string, error) {
	id := "cob:" + d.String() + ":line:" + lineID
	req := request{method: "CloseOfBusiness", id: id, hash: id}
	return runLineWrite(ctx, c, lineWrite[string]{req: req, lineID: lineID,
		answer: func(context.Context, store.RequestRecord) (string, error) { return "", nil },
		decide: func(ctx context.Context, v CreditLineView, now time.Time) (string, error) {
			at, err := c.GetCreditLine(ctx, GetCreditLineParams{CreditLineID: lineID, AsOf: d})
			if err != nil {
				return "", err
			}
			worst := LineLoanView{}
			for _, l := range at.Loans {
				if l.DaysPastDue > worst.DaysPastDue {
					worst = l
				}
			}
			var kind, status, reason string
			switch {
			case v.Status == LineActive && worst.DaysPastDue >= days:
				kind, status = store.LineKindFrozen, store.LineStatusFrozen
				reason = fmt.Sprintf("close of business %s: loan %s is %d days past due", d, worst.LoanID, worst.DaysPastDue)
			case v.Status == LineFrozen && v.FrozenBy == CloseOfBusinessActor && worst.DaysPastDue < days:
				kind, status = store.LineKindUnfrozen, store.LineStatusActive
				reason = fmt.Sprintf("close of business %s: no loan is %d or more days past due", d, days)
			default:
				return "", nil
			}
			seq := v.Version + 1
			return kind, c.store.AppendLineEvent(ctx, store.AppendLineEventParams{CreditLineID: lineID, ExpectedVersion: v.Version,
				Event: store.CreditLineEventRecord{CreditLineID: lineID, Seq: seq, Kind: kind, ValueDate: d.String(), RecordedAt: now,
					RequestID: id, Actor: CloseOfBusinessActor, Reason: reason},
				Request:   store.RequestRecord{RequestID: id, Method: req.method, RequestHash: req.hash, CreditLineID: lineID, Seq: seq, RecordedAt: now},
				SetStatus: status})
		}})
}
