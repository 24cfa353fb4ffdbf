package schedbench

import (
	"slices"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/cputime"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// mortgageTerms is the benchmarked loan: 1,000,000.00 CNY at 4.9% a year,
// 360 monthly EQUAL_INSTALLMENT installments, PERIODIC accrual, HALF_UP to
// the fen — the default case of every Chinese mortgage calculator, whose
// level installment is 5,307.27.
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
// loan the float kernel finds the exact level installment, 5,307.27, and
// produces the engine's 360 rows field for field, so both sides of the
// benchmark do the same work to the same result.
func TestFloatKernelIsTheSameSchedule(t *testing.T) {
	terms := mortgageTerms()
	s, err := engine.BuildSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	rows := FloatEqualInstallment(1_000_000, 4.9, 360, terms.DisbursementDate)
	if s.InstallmentAmount != 530727 || rows[0].Total != 530727 {
		t.Fatalf("level installment: exact %d, float %d; want 530727", s.InstallmentAmount, rows[0].Total)
	}
	if s.Installments[0].Interest != 408333 || rows[0].Interest != 408333 {
		t.Fatalf("first interest: exact %d, float %d; want 408333", s.Installments[0].Interest, rows[0].Interest)
	}
	if len(rows) != len(s.Installments) {
		t.Fatalf("float kernel: %d rows, exact %d", len(rows), len(s.Installments))
	}
	for i := range rows {
		if rows[i] != s.Installments[i] {
			t.Fatalf("row %d: float %+v, exact %+v", i+1, rows[i], s.Installments[i])
		}
	}
}

// BenchmarkSchedule360 races the 360-installment schedule of mortgageTerms:
// kernel=exact is engine.BuildSchedule (validation included), kernel=float64
// the float floor. `make bench` compares the two with benchstat -col /kernel;
// -bench 'Schedule360/exact' selects one.
func BenchmarkSchedule360(b *testing.B) {
	terms := mortgageTerms()
	b.Run("kernel=exact", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cputime.Process()
		for b.Loop() {
			if _, err := engine.BuildSchedule(terms); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("kernel=float64", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cputime.Process()
		for b.Loop() {
			FloatEqualInstallment(1_000_000, 4.9, 360, terms.DisbursementDate)
		}
		reportCPU(b, cpu)
	})
}

// BenchmarkQuote360 is the whole quote of the same loan: schedule and APR.
func BenchmarkQuote360(b *testing.B) {
	terms := mortgageTerms()
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		s, _ := engine.BuildSchedule(terms)
		engine.ScheduleAPR(terms, s, 2)
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per iteration since cpu
// (cpu-ns/op): on this shared machine, where other work takes the cores
// away for whole milliseconds, it moves far less than the wall time.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkComputeAPR360 is the APR alone through ComputeAPR, the path of
// the ComputeApr RPC and of QuoteRestructuring's plan APR: the
// benchmarked loan's 360 installments as dated payments, with no contract
// rate to start from. first=whole has the schedule's dates; first=odd
// moves the advance 17 days earlier, so every payment carries the same
// fraction of a month (US actuarial: simple interest over it; IRR: a
// compound fraction, through the fixed point's root bounds).
func BenchmarkComputeAPR360(b *testing.B) {
	terms := mortgageTerms()
	s, err := engine.BuildSchedule(terms)
	if err != nil {
		b.Fatal(err)
	}
	in := engine.APRInput{Advanced: terms.Principal, AdvanceDate: terms.DisbursementDate,
		UnitPeriod: terms.Frequency, Decimals: 2}
	for _, row := range s.Installments {
		in.Payments = append(in.Payments, engine.CashFlow{Amount: row.Total, Date: row.DueDate})
	}
	for _, c := range []struct {
		name   string
		method engine.APRMethod
		shift  int
	}{{"first=whole/method=IRR_NOMINAL", engine.IRRNominal, 0}, {"first=odd/method=IRR_NOMINAL", engine.IRRNominal, 17},
		{"first=odd/method=US_ACTUARIAL", engine.USActuarial, 17}} {
		in := in
		in.Method, in.AdvanceDate = c.method, in.AdvanceDate.AddDays(-c.shift)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				if _, err := engine.ComputeAPR(in); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkQuoteRatio360 measures the goal's ratio on this shared machine,
// where another program can take the cores for whole milliseconds and
// move one benchmark's figure and not the next one's: each iteration
// builds the schedule alone and then the whole quote (schedule and APR),
// timing each, so the two alternate every few tens of microseconds and
// any burst of load falls on both. It reports the median of each
// (schedule-ns, quote-ns) and their ratio (quote/schedule), medians being
// indifferent to the iterations a burst lands on.
func BenchmarkQuoteRatio360(b *testing.B) {
	terms := mortgageTerms()
	var sched, quote []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := engine.BuildSchedule(terms); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		s, _ := engine.BuildSchedule(terms)
		engine.ScheduleAPR(terms, s, 2)
		t2 := time.Now()
		sched, quote = append(sched, t1.Sub(t0)), append(quote, t2.Sub(t1))
	}
	ms, mq := median(sched), median(quote)
	b.ReportMetric(float64(ms), "schedule-ns")
	b.ReportMetric(float64(mq), "quote-ns")
	b.ReportMetric(float64(mq)/float64(ms), "quote/schedule")
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
