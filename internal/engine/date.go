package engine

import (
	"errors"
	"fmt"

	"github.com/loancore/loancore/internal/money"
)

// Date is a civil date with no time zone, counted in days in the proleptic
// Gregorian calendar so that dates compare and subtract as integers, which
// keeps due-date and day-count arithmetic exact and cheap. Day 1 is
// 0001-01-01; the zero Date is NoDate, so a Date field left unset never
// passes for a real day.
type Date int32

// NoDate, the zero Date, marks an absent optional date.
const NoDate Date = 0

// daysBeforeEpoch is the day number of 1970-01-01 minus one: Hinnant's
// algorithms count from 1970-01-01 and Date counts from 0001-01-01 = 1.
const daysBeforeEpoch = 719162 + 1

// MinDate and MaxDate bound the dates loancore accepts: 0001-01-01 and
// 9999-12-31, the range of the API's YYYY-MM-DD strings.
var (
	MinDate = DateOf(1, 1, 1)
	MaxDate = DateOf(9999, 12, 31)
)

// ErrDateRange reports a date computation that leaves MinDate..MaxDate.
var ErrDateRange = errors.New("date outside 0001-01-01..9999-12-31")

// DateOf returns the date y-m-d. The day must be valid for the month.
func DateOf(y, m, d int) Date {
	// Howard Hinnant's days_from_civil: shift the year to start in March so
	// the leap day is the last day of the shifted year.
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date(era*146097 + doe - 719468 + daysBeforeEpoch)
}

// YMD returns the date's year, month (1–12) and day (1–31).
func (d Date) YMD() (year, month, day int) {
	z := int(d) - daysBeforeEpoch + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	if month <= 2 {
		year++
	}
	return year, month, day
}

// String renders the date as YYYY-MM-DD.
func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	b := d.digits()
	return string(b[:])
}

// AppendString appends the date as String renders it.
func (d Date) AppendString(b []byte) []byte {
	if d == NoDate {
		return b
	}
	digits := d.digits()
	return append(b, digits[:]...)
}

func (d Date) digits() [10]byte {
	y, m, dd := d.YMD()
	return [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + dd/10), byte('0' + dd%10)}
}

// ParseDate parses a strict YYYY-MM-DD date between 0001-01-01 and
// 9999-12-31. "2025-02-29" and "2025-1-5" are errors.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("%s is not a YYYY-MM-DD date", money.QuoteInput(s))
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%s is not a YYYY-MM-DD date", money.QuoteInput(s))
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) {
		return 0, fmt.Errorf("%s is not a calendar date", money.QuoteInput(s))
	}
	return DateOf(y, m, d), nil
}

// IsLeapYear reports whether y is a Gregorian leap year.
func IsLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysInMonth returns the number of days in month m of year y.
func DaysInMonth(y, m int) int {
	switch m {
	case 2:
		if IsLeapYear(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// AddDays returns the date n days after d (before it if n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths returns the date n months after d on d's day of the month,
// clamped to the last day of a shorter month: 31 Jan + 1 month is 28 or 29
// Feb, and 31 Jan + 2 months is 31 Mar. Schedules always add to the original
// anchor, never to a clamped date, so a clamp never propagates.
func (d Date) AddMonths(n int) Date {
	y, m, day := d.YMD()
	total := y*12 + (m - 1) + n
	ny, nm := total/12, total%12+1
	if total < 0 {
		ny, nm = (total-11)/12, (total%12+12)%12+1
	}
	if dim := DaysInMonth(ny, nm); day > dim {
		day = dim
	}
	return DateOf(ny, nm, day)
}

// InRange reports whether d lies within MinDate..MaxDate.
func (d Date) InRange() bool { return d >= MinDate && d <= MaxDate }
