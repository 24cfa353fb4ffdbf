package engine

import "strconv"

// Bucket is a delinquency bucket by days past due: M0 current, M1 1–30 days,
// … M7 beyond the last boundary. The buckets double as the credit-report
// statuses 1–7.
type Bucket uint8

// The buckets.
const (
	M0 Bucket = iota
	M1
	M2
	M3
	M4
	M5
	M6
	M7
)

// String returns "M0" … "M7".
func (b Bucket) String() string { return "M" + string(rune('0'+b)) }

// RiskClass is the five-level loan classification (五级分类).
type RiskClass uint8

// The risk classes, from best to worst.
const (
	RiskNormal RiskClass = iota + 1
	RiskSpecialMention
	RiskSubstandard
	RiskDoubtful
	RiskLoss
)

// String returns the class's name.
func (c RiskClass) String() string {
	switch c {
	case RiskNormal:
		return "NORMAL"
	case RiskSpecialMention:
		return "SPECIAL_MENTION"
	case RiskSubstandard:
		return "SUBSTANDARD"
	case RiskDoubtful:
		return "DOUBTFUL"
	case RiskLoss:
		return "LOSS"
	}
	return "UNKNOWN"
}

// DelinquencyPolicy holds the configurable boundaries of buckets and risk
// classes, in days past due.
type DelinquencyPolicy struct {
	// BucketMaxDays[i] is the largest DPD of bucket M(i+1): the default
	// {30, 60, 90, 120, 150, 180} makes M1 1–30 … M6 151–180, M7 beyond.
	BucketMaxDays [6]int
	// RiskFromDays[i] is the smallest DPD of class SPECIAL_MENTION+i: the
	// default {1, 91, 271, 361}.
	RiskFromDays [4]int
}

// DefaultDelinquencyPolicy is the policy of the glossary: 30-day buckets
// up to 180 days and the regulatory five-level thresholds.
var DefaultDelinquencyPolicy = DelinquencyPolicy{
	BucketMaxDays: [6]int{30, 60, 90, 120, 150, 180},
	RiskFromDays:  [4]int{1, 91, 271, 361},
}

// Validate checks that the boundaries are positive and increasing; field
// names are relative to the policy.
func (p DelinquencyPolicy) Validate() error {
	var e InvalidError
	for i, d := range p.BucketMaxDays {
		if d < 1 || (i > 0 && d <= p.BucketMaxDays[i-1]) {
			e.Add("bucket_max_days["+strconv.Itoa(i)+"]", "must be positive and larger than the one before")
		}
	}
	for i, d := range p.RiskFromDays {
		if d < 1 || (i > 0 && d <= p.RiskFromDays[i-1]) {
			e.Add("risk_from_days["+strconv.Itoa(i)+"]", "must be positive and larger than the one before")
		}
	}
	return e.Err()
}

// Bucket returns the bucket of a number of days past due.
func (p DelinquencyPolicy) Bucket(dpd int) Bucket {
	if dpd <= 0 {
		return M0
	}
	for i, max := range p.BucketMaxDays {
		if dpd <= max {
			return Bucket(i + 1)
		}
	}
	return M7
}

// RiskClass returns the risk class of a number of days past due.
func (p DelinquencyPolicy) RiskClass(dpd int) RiskClass {
	c := RiskNormal
	for i, from := range p.RiskFromDays {
		if dpd >= from {
			c = RiskClass(int(RiskSpecialMention) + i)
		}
	}
	return c
}

// DelinquencyBucket returns the loan's bucket as of st.AsOf under p: by
// DaysPastDue, in which unpaid penalty and compound interest keep an
// installment overdue.
func (st *LoanState) DelinquencyBucket(p DelinquencyPolicy) Bucket { return p.Bucket(st.DaysPastDue()) }

// RiskClass returns the loan's risk class as of st.AsOf under p, by
// DaysPastDue.
func (st *LoanState) RiskClass(p DelinquencyPolicy) RiskClass { return p.RiskClass(st.DaysPastDue()) }
