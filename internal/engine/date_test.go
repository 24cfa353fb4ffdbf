package engine

import (
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// TestDateRoundTripWholeRange walks every day from 0001-01-01 to 9999-12-31:
// DateOf numbers them consecutively from 1, YMD inverts it, String and
// ParseDate round-trip, and DaysInMonth/IsLeapYear agree with the walk.
func TestDateRoundTripWholeRange(t *testing.T) {
	prev := MinDate - 1
	leapDays := 0
	for y := 1; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= DaysInMonth(y, m); d++ {
				date := DateOf(y, m, d)
				if date != prev+1 {
					t.Fatalf("%04d-%02d-%02d = %d, want %d", y, m, d, date, prev+1)
				}
				if gy, gm, gd := date.YMD(); gy != y || gm != m || gd != d {
					t.Fatalf("YMD(%d) = %d-%d-%d, want %d-%d-%d", date, gy, gm, gd, y, m, d)
				}
				if d == 1 || d == 29 { // String and ParseDate on a sample, to keep the walk fast
					if p, err := ParseDate(date.String()); err != nil || p != date {
						t.Fatalf("ParseDate(%q) = %d, %v; want %d", date.String(), p, err, date)
					}
				}
				if m == 2 && d == 29 {
					leapDays++
				}
				prev = date
			}
		}
	}
	// 9999 years hold 2424 leap days under the Gregorian rules
	// (2499 multiples of 4, less 99 of 100, plus 24 of 400).
	if prev != MaxDate || MinDate != 1 || leapDays != 2424 {
		t.Fatalf("range ends at %d (MaxDate %d), MinDate %d, %d leap days", prev, MaxDate, MinDate, leapDays)
	}
	// Fixed points: the Unix epoch and the day count of the range.
	if DateOf(1970, 1, 1) != 719163 || MaxDate != 3652059 {
		t.Fatalf("1970-01-01 = %d, 9999-12-31 = %d", DateOf(1970, 1, 1), MaxDate)
	}
	if NoDate.String() != "" || NoDate.InRange() || (MaxDate + 1).InRange() || !MinDate.InRange() {
		t.Fatal("NoDate or the range ends")
	}
}

// TestLeapYears: the Gregorian rules, century years included.
func TestLeapYears(t *testing.T) {
	for y, want := range map[int]bool{1900: false, 2000: true, 2023: false, 2024: true, 2100: false, 2400: true, 4: true, 1: false} {
		if IsLeapYear(y) != want {
			t.Errorf("IsLeapYear(%d) = %v", y, !want)
		}
	}
	for _, tt := range []struct{ y, m, want int }{{2023, 2, 28}, {2024, 2, 29}, {1900, 2, 28}, {2000, 2, 29}, {2024, 4, 30}, {2024, 12, 31}, {2024, 1, 31}} {
		if got := DaysInMonth(tt.y, tt.m); got != tt.want {
			t.Errorf("DaysInMonth(%d, %d) = %d, want %d", tt.y, tt.m, got, tt.want)
		}
	}
}

// TestParseDateIsStrict: ParseDate takes exactly YYYY-MM-DD of a real
// calendar day and nothing else — no spaces, signs, short fields or 29
// February outside leap years.
func TestParseDateIsStrict(t *testing.T) {
	for _, s := range []string{"2024-02-29", "0001-01-01", "9999-12-31", "2000-02-29", "2024-04-30", "2024-12-31"} {
		d, err := ParseDate(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDate(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{
		"2023-02-29", "1900-02-29", "2100-02-29", // not leap years
		"2024-13-01", "2024-00-10", "2024-04-31", "2024-01-32", "2024-01-00", // no such month or day
		" 2024-01-01", "2024-01-01 ", "2024-1-1", "2024-01-1", "24-01-01", // layout
		"2024/01/01", "20240101", "", "0000-01-01", "10000-01-01", "2024-01-01T00:00:00Z",
		"+2024-01-01", "-024-01-01", "2024-+1-01", "2024-0a-01", "２０２４-01-01",
	} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
}

// TestParseDateQuotesAPrefix: a date that is not one is named in the
// error by a short prefix, never echoed whole.
func TestParseDateQuotesAPrefix(t *testing.T) {
	long := strings.Repeat("\x00", 1<<20)
	_, err := ParseDate(long)
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), money.QuoteInput(long)) {
		t.Errorf("ParseDate(1 MB of NUL) = %.300v; want an error quoting a prefix", err)
	}
}

// TestAddMonthsClampsFromTheAnchor: months are added to the anchor and the
// day clamped to the month reached, never stepped from a clamped date.
func TestAddMonthsClampsFromTheAnchor(t *testing.T) {
	jan31 := DateOf(2024, 1, 31)
	for k, want := range []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30",
		"2024-07-31", "2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31", "2025-01-31", "2025-02-28"} {
		if got := jan31.AddMonths(k).String(); got != want {
			t.Errorf("2024-01-31 + %d months = %s, want %s", k, got, want)
		}
	}
	for _, tt := range []struct {
		from   Date
		months int
		want   string
	}{
		{DateOf(2023, 1, 31), 1, "2023-02-28"},
		{DateOf(2024, 3, 31), -1, "2024-02-29"},
		{DateOf(2024, 3, 31), -13, "2023-02-28"},
		{DateOf(2024, 2, 29), 12, "2025-02-28"},
		{DateOf(2024, 2, 29), 48, "2028-02-29"},
		{DateOf(2024, 2, 29), -1200, "1924-02-29"},
		{DateOf(2024, 8, 15), 5, "2025-01-15"},
		{DateOf(2024, 12, 31), 2, "2025-02-28"},
		{DateOf(1, 1, 1), 0, "0001-01-01"},
		{DateOf(9999, 11, 30), 1, "9999-12-30"},
	} {
		if got := tt.from.AddMonths(tt.months).String(); got != tt.want {
			t.Errorf("%s %+d months = %s, want %s", tt.from, tt.months, got, tt.want)
		}
	}
	// A schedule never chains from a clamped date: anchored on the 31st, the
	// due date after 29 February is 31 March, not 29 March.
	terms := Terms{DisbursementDate: jan31, Frequency: Frequency{Unit: Month, Every: 1}}
	for k, want := range []string{"2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"} {
		if got := terms.DueDate(k).String(); got != want {
			t.Errorf("due date %d = %s, want %s", k+1, got, want)
		}
	}
	// With an explicit first due date, the dates step from its day.
	terms.FirstDueDate = DateOf(2024, 2, 29)
	for k, want := range []string{"2024-02-29", "2024-03-29", "2024-04-29"} {
		if got := terms.DueDate(k).String(); got != want {
			t.Errorf("from first due 2024-02-29, due date %d = %s, want %s", k+1, got, want)
		}
	}
	if terms.HasOddFirstPeriod() != false {
		t.Error("31 Jan → 29 Feb is one regular month, not an odd first period")
	}
	terms.FirstDueDate = DateOf(2024, 2, 28)
	if !terms.HasOddFirstPeriod() {
		t.Error("31 Jan → 28 Feb 2024 is one day short of a month")
	}
}

// TestDueDatesMatchTheOracle compares Terms.DueDate with the oracle's
// stepping for random anchors, units and counts.
func TestDueDatesMatchTheOracle(t *testing.T) {
	s := newSeeded(t, 0xda7e)
	for range 100000 {
		f := randomFrequency(s.rng)
		terms := Terms{DisbursementDate: randomDate(s.rng), Frequency: f}
		if s.rng.IntN(3) == 0 {
			terms.FirstDueDate = terms.DisbursementDate.AddDays(1 + s.rng.IntN(400))
		}
		k := s.rng.IntN(MaxInstallments)
		want := oracleDue(terms, k)
		if !want.InRange() {
			continue
		}
		if got := terms.DueDate(k); got != want {
			s.fatalf("due date %d of %s every %d %s from %s (first %s) = %s, want %s", k, describeTerms(terms), f.Every,
				unitName(f.Unit), terms.DisbursementDate, terms.FirstDueDate, got, want)
		}
	}
}

// TestYearFractions: hand-worked examples of every day count, checked
// against both the engine and the oracle.
func TestYearFractions(t *testing.T) {
	tests := []struct {
		dc         DayCount
		start, end Date
		num, den   uint64
	}{
		{Act365Fixed, DateOf(2024, 1, 1), DateOf(2025, 1, 1), 366, 365},
		{Act360, DateOf(2024, 1, 15), DateOf(2024, 2, 15), 31, 360},
		{Act364, DateOf(2024, 1, 1), DateOf(2024, 1, 8), 7, 364},
		{Act360, DateOf(2024, 1, 15), DateOf(2024, 1, 15), 0, 360},
		// 30/360 ISDA bond basis (2006 ISDA Definitions 4.16(f)): a start
		// on the 31st counts as the 30th; an end on the 31st counts as the
		// 30th only when the start (so adjusted) is the 30th.
		{Thirty360, DateOf(2024, 1, 31), DateOf(2024, 3, 31), 60, 360},
		{Thirty360, DateOf(2024, 1, 30), DateOf(2024, 3, 31), 60, 360},
		{Thirty360, DateOf(2024, 1, 15), DateOf(2024, 3, 31), 76, 360},
		{Thirty360, DateOf(2024, 1, 29), DateOf(2024, 3, 31), 62, 360},
		// February's end is not adjusted under the bond basis (it is under
		// 30E/360 ISDA): 28 Feb → 31 Mar is 33 days, 29 Feb → 31 Mar 32.
		{Thirty360, DateOf(2023, 2, 28), DateOf(2023, 3, 31), 33, 360},
		{Thirty360, DateOf(2024, 2, 29), DateOf(2024, 3, 31), 32, 360},
		{Thirty360, DateOf(2024, 2, 28), DateOf(2024, 3, 1), 3, 360},
		{Thirty360, DateOf(2023, 12, 31), DateOf(2024, 12, 31), 360, 360},
		{Thirty360, DateOf(2024, 3, 30), DateOf(2024, 3, 31), 0, 360},
		{Thirty360, DateOf(2024, 1, 15), DateOf(2025, 7, 15), 540, 360},
		// ACT/ACT ISDA: days in 2023 over 365 plus days in 2024 over 366.
		{ActAct, DateOf(2023, 7, 1), DateOf(2024, 7, 1), 184*366 + 182*365, 365 * 366},
		{ActAct, DateOf(2024, 1, 1), DateOf(2025, 1, 1), 1, 1},
		{ActAct, DateOf(2023, 12, 31), DateOf(2024, 1, 1), 1, 365},
		{ActAct, DateOf(2024, 12, 31), DateOf(2025, 1, 1), 1, 366},
		{ActAct, DateOf(2023, 1, 1), DateOf(2026, 1, 1), 3, 1},
	}
	for _, tt := range tests {
		num, den := tt.dc.YearFraction(tt.start, tt.end)
		if num*tt.den != tt.num*den {
			t.Errorf("%s %s..%s = %d/%d, want %d/%d", dayCountName(tt.dc), tt.start, tt.end, num, den, tt.num, tt.den)
		}
		if want := oracleYearFraction(tt.dc, tt.start, tt.end); want.Cmp(ratFrac(tt.num, tt.den)) != 0 {
			t.Errorf("oracle %s %s..%s = %s, want %d/%d", dayCountName(tt.dc), tt.start, tt.end, want, tt.num, tt.den)
		}
	}
}

// TestYearFractionsMatchTheOracle compares the day counts with the oracle's
// over random spans of up to three years.
func TestYearFractionsMatchTheOracle(t *testing.T) {
	s := newSeeded(t, 0x365)
	for range 100000 {
		start := randomDate(s.rng)
		end := start.AddDays(s.rng.IntN(3 * 366))
		if !end.InRange() {
			continue
		}
		dc := DayCount(1 + s.rng.IntN(5))
		num, den := dc.YearFraction(start, end)
		if want := oracleYearFraction(dc, start, end); want.Cmp(ratFrac(num, den)) != 0 {
			s.fatalf("%s %s..%s = %d/%d, oracle %s", dayCountName(dc), start, end, num, den, want)
		}
	}
}
