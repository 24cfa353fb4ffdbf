package servicing

import (
	"context"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// prune drops the positions of the dates before the last keepDates up to
// d, a date just closed (NewCloseParams.KeepPositionDates). A prune that
// fails (a lock it waited too long for, say) is logged and skipped: the
// date is closed all the same, and the next run's prune drops those
// dates too.
func (c *Close) prune(ctx context.Context, d engine.Date) {
	if c.keepDates <= 0 {
		return
	}
	before := d.AddDays(1 - c.keepDates)
	r, err := c.store.PrunePositions(ctx, store.PrunePositionsParams{Before: before})
	c.loans.observe.PositionsPruned(r.DatesDropped, err)
	if err != nil {
		c.log.WarnContext(ctx, "close of business: positions not pruned", "business_date", d.String(), "before", before.String(), "error", err)
		return
	}
	if r.DatesDropped > 0 {
		c.log.InfoContext(ctx, "close of business: positions pruned", "business_date", d.String(), "kept_from", r.KeptFrom.String(),
			"dates_dropped", r.DatesDropped)
	}
}
