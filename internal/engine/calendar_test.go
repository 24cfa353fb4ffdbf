package engine

import "testing"

func TestDateRoundTripWholeRange(t *testing.T) {
	prev := MinDate - 1
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
				prev = date
			}
		}
	}
	if prev != MaxDate || MinDate != 1 || DateOf(1970, 1, 1) != 719163 {
		t.Fatalf("range ends at %d, MaxDate %d", prev, MaxDate)
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2024-02-29", "0001-01-01", "9999-12-31", "2000-02-29"} {
		d, err := ParseDate(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDate(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
		" 2024-01-01", "2024-1-1", "2024/01/01", "20240101", "", "0000-01-01", "2024-01-01T00:00:00Z", "+2024-01-01"} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
}

func TestAddMonthsClampsFromTheAnchor(t *testing.T) {
	jan31 := DateOf(2024, 1, 31)
	for k, want := range []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"} {
		if got := jan31.AddMonths(k).String(); got != want {
			t.Errorf("2024-01-31 + %d months = %s, want %s", k, got, want)
		}
	}
	if got := DateOf(2023, 1, 31).AddMonths(1).String(); got != "2023-02-28" {
		t.Errorf("2023-01-31 + 1 month = %s", got)
	}
	if got := DateOf(2024, 3, 31).AddMonths(-1).String(); got != "2024-02-29" {
		t.Errorf("2024-03-31 - 1 month = %s", got)
	}
	// Schedules never chain from a clamped date: the fourth due date of a
	// loan anchored on the 31st is 31 May, not 29 May.
	terms := Terms{DisbursementDate: jan31, FirstDueDate: NoDate, Frequency: Frequency{Unit: Month, Every: 1}}
	if got := terms.DueDate(3).String(); got != "2024-05-31" {
		t.Errorf("due date 4 = %s", got)
	}
}

func TestYearFractions(t *testing.T) {
	tests := []struct {
		dc         DayCount
		start, end Date
		num, den   uint64
	}{
		{Act365Fixed, DateOf(2024, 1, 1), DateOf(2025, 1, 1), 366, 365},
		{Act360, DateOf(2024, 1, 15), DateOf(2024, 2, 15), 31, 360},
		{Act364, DateOf(2024, 1, 1), DateOf(2024, 1, 8), 7, 364},
		// 30/360 ISDA bond basis: 31 → 30 at the start; at the end only
		// when the start is the 30th or 31st.
		{Thirty360, DateOf(2024, 1, 31), DateOf(2024, 3, 31), 60, 360},
		{Thirty360, DateOf(2024, 1, 15), DateOf(2024, 3, 31), 76, 360},
		{Thirty360, DateOf(2024, 2, 29), DateOf(2024, 3, 31), 32, 360},
		// ACT/ACT ISDA: 2023-07-01..2024-07-01 is 184/365 + 182/366.
		{ActAct, DateOf(2023, 7, 1), DateOf(2024, 7, 1), 184*366 + 182*365, 365 * 366},
	}
	for _, tt := range tests {
		num, den := tt.dc.YearFraction(tt.start, tt.end)
		if num*tt.den != tt.num*den {
			t.Errorf("%d %s..%s = %d/%d, want %d/%d", tt.dc, tt.start, tt.end, num, den, tt.num, tt.den)
		}
	}
}
