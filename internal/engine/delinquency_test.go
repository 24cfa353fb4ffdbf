package engine

import "testing"

func TestDelinquencyDefaults(t *testing.T) {
	p := DefaultDelinquencyPolicy
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	buckets := map[int]Bucket{-3: M0, 0: M0, 1: M1, 30: M1, 31: M2, 60: M2, 61: M3, 90: M3, 150: M5, 151: M6, 180: M6, 181: M7, 5000: M7}
	for dpd, want := range buckets {
		if got := p.Bucket(dpd); got != want {
			t.Errorf("Bucket(%d) = %s, want %s", dpd, got, want)
		}
	}
	classes := map[int]RiskClass{0: RiskNormal, 1: RiskSpecialMention, 90: RiskSpecialMention, 91: RiskSubstandard,
		270: RiskSubstandard, 271: RiskDoubtful, 360: RiskDoubtful, 361: RiskLoss, 9999: RiskLoss}
	for dpd, want := range classes {
		if got := p.RiskClass(dpd); got != want {
			t.Errorf("RiskClass(%d) = %s, want %s", dpd, got, want)
		}
	}
	if M7.String() != "M7" || RiskSpecialMention.String() != "SPECIAL_MENTION" {
		t.Error("names")
	}
}

func TestDelinquencyPolicyValidate(t *testing.T) {
	p := DefaultDelinquencyPolicy
	p.BucketMaxDays[2] = 60 // not larger than M2's 60
	p.RiskFromDays[0] = 0
	var inv *InvalidError
	err := p.Validate()
	if err == nil {
		t.Fatal("accepted non-increasing boundaries")
	}
	inv = err.(*InvalidError)
	if len(inv.Violations) != 2 || inv.Violations[0].Field != "bucket_max_days[2]" || inv.Violations[1].Field != "risk_from_days[0]" {
		t.Fatalf("violations %+v", inv.Violations)
	}
}
