package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// benchRecalcLog is a year of payments on recalc12k: 365 part-payments,
// one a day, or the 12 level installments on their due dates.
func benchRecalcLog(daily bool) []Event {
	var ev []Event
	if daily {
		for d := range 365 {
			ev = append(ev, pay(int64(d+3), DateOf(2024, 1, 16).AddDays(d), 2_900))
		}
		return ev
	}
	for k := range 12 {
		ev = append(ev, pay(int64(k+3), DateOf(2024, 2, 15).AddMonths(k), money.Amount(106_619)))
	}
	return ev
}

// BenchmarkRecalcFold folds a daily-interest loan as of its maturity, with
// 365 daily part-payments beside the same loan with 12 monthly payments:
// the engine's part of GetLoan when the log is replayed.
func BenchmarkRecalcFold(b *testing.B) {
	terms := recalc12k()
	sched := buildSchedule(&terms)
	for _, c := range []struct {
		name  string
		daily bool
	}{{"monthly12", false}, {"daily365", true}} {
		ev := benchRecalcLog(c.daily)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				FoldSchedule(terms, sched, ev, DateOf(2025, 1, 20))
			}
		})
	}
}
