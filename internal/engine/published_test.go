package engine

import (
	"testing"

	"github.com/loancore/loancore/internal/money"
)

// Published figures from sources outside loancore. Each case cites where its
// numbers were printed; the engine must reproduce them to the cent.

func mustRate(t *testing.T, s string) money.Rate {
	t.Helper()
	r, err := money.ParseRate(s, MaxRatePercent)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustCurrency(t *testing.T, code string) money.Currency {
	t.Helper()
	c, ok := money.LookupCurrency(code)
	if !ok {
		t.Fatalf("unknown currency %s", code)
	}
	return c
}

// monthly returns periodic monthly terms with the defaults of the API.
func monthly(t *testing.T, cur string, principal money.Amount, rate string, n int, m Method) Terms {
	return Terms{
		Currency:         mustCurrency(t, cur),
		Principal:        principal,
		AnnualRate:       mustRate(t, rate),
		InstallmentCount: n,
		Frequency:        Frequency{Unit: Month, Every: 1},
		Method:           m,
		DisbursementDate: DateOf(2024, 1, 15),
		FirstDueDate:     NoDate,
		InterestAccrual:  Periodic,
		DayCount:         Act360,
		Rounding:         Rounding{Mode: money.HalfUp, Multiple: 1},
	}
}

type publishedRow struct {
	k                            int // 1-based installment number
	principal, interest, balance money.Amount
}

func TestPublishedSchedules(t *testing.T) {
	tests := []struct {
		name   string
		source string
		terms  Terms
		level  money.Amount // the level installment or first installment total
		rows   []publishedRow
		// secondTotal, when set, is the published second installment total.
		secondTotal money.Amount
	}{
		{
			name: "CNY mortgage 1,000,000 at 4.9% over 30 years, equal installment",
			source: "loancore issue #2 and every Chinese mortgage calculator (e.g. the CCB/ICBC " +
				"房贷计算器 default case): 100万 30年 4.9% 等额本息 月供 5307.27 元, first month interest 4083.33",
			terms: monthly(t, "CNY", 100_000_000, "4.9", 360, EqualInstallment),
			level: 530727,
			rows:  []publishedRow{{1, 122394, 408333, 99877606}},
		},
		{
			name: "CNY mortgage 1,000,000 at 4.9% over 30 years, equal principal",
			source: "Chinese mortgage calculators, 100万 30年 4.9% 等额本金: 首月月供 6861.11 元, " +
				"每月递减 11.34 元",
			terms:       monthly(t, "CNY", 100_000_000, "4.9", 360, EqualPrincipal),
			level:       686111,
			secondTotal: 686111 - 1134,
		},
		{
			name: "Excel PMT documentation: 10,000 at 8% over 10 months",
			source: "Microsoft Support, PMT function, example 1: =PMT(A2/12,A3,A4) with 8%, 10 months, " +
				"$10,000 → ($1,037.03) https://support.microsoft.com/office/pmt-function-0214da64-9a63-4996-bc20-214433fa6441",
			terms: monthly(t, "USD", 1_000_000, "8", 10, EqualInstallment),
			level: 103703,
		},
		{
			name: "numpy-financial pmt docstring: 200,000 at 7.5% over 15 years",
			source: "numpy-financial, numpy_financial/_financial.py, pmt() example: " +
				"npf.pmt(0.075/12, 12*15, 200000) = -1854.0247200054619, 'a monthly payment of $1,854.02'",
			terms: monthly(t, "USD", 20_000_000, "7.5", 180, EqualInstallment),
			level: 185402,
		},
		{
			name: "Federal Reserve Board, Keys to Vehicle Leasing: 18,800 at 9% over 48 months",
			source: "https://www.federalreserve.gov/pubs/leasing/resource/different/early_exp5.htm " +
				"(Constant Yield (Actuarial) example): monthly payment $467.84; first payment interest $141.00, " +
				"principal $326.84, balance $18,473.16; second interest $138.55, principal $329.29, balance $18,143.87",
			terms: monthly(t, "USD", 1_880_000, "9", 48, EqualInstallment),
			level: 46784,
			rows: []publishedRow{
				{1, 32684, 14100, 1_847_316},
				{2, 32929, 13855, 1_814_387},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := BuildSchedule(tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			if s.InstallmentAmount != tt.level {
				t.Errorf("installment amount = %d, want %d (source: %s)", s.InstallmentAmount, tt.level, tt.source)
			}
			for _, r := range tt.rows {
				got := s.Installments[r.k-1]
				if got.Principal != r.principal || got.Interest != r.interest || got.BalanceAfter != r.balance {
					t.Errorf("installment %d = principal %d interest %d balance %d, want %d %d %d (source: %s)",
						r.k, got.Principal, got.Interest, got.BalanceAfter, r.principal, r.interest, r.balance, tt.source)
				}
			}
			if tt.secondTotal != 0 && s.Installments[1].Total != tt.secondTotal {
				t.Errorf("second installment total = %d, want %d (source: %s)", s.Installments[1].Total, tt.secondTotal, tt.source)
			}
		})
	}
}

// TestPublishedAPRs reproduces the worked examples of Regulation Z,
// 12 CFR Part 1026, Appendix J, paragraph (c)(1) ("Single advance
// transaction, with or without an odd first period, and otherwise regular"),
// https://www.consumerfinance.gov/rules-policy/regulations/1026/J/.
func TestPublishedAPRs(t *testing.T) {
	monthlyPayments := func(amount money.Amount, first Date, n int) []CashFlow {
		out := make([]CashFlow, n)
		for k := range n {
			out[k] = CashFlow{Amount: amount, Date: first.AddMonths(k)}
		}
		return out
	}
	tests := []struct {
		name string
		in   APRInput
		want string
	}{
		{
			// (i) Monthly payments (regular first period): amount advanced
			// $5,000, payment $230, 24 payments, advance 1-10-78, first
			// payment 2-10-78: APR 9.69%.
			name: "(c)(1)(i) regular first period",
			in: APRInput{Advanced: 500000, AdvanceDate: DateOf(1978, 1, 10),
				Payments: monthlyPayments(23000, DateOf(1978, 2, 10), 24)},
			want: "9.69",
		},
		{
			// (ii) Monthly payments (long first period): amount advanced
			// $6,000, payment $200, 36 payments, advance 2-10-78, first
			// payment 4-1-78 (counted back from 4-1: one month to 3-1, then
			// 19 days to 2-10, so t = 1 and f = 19/30): APR 11.82%.
			name: "(c)(1)(ii) long first period",
			in: APRInput{Advanced: 600000, AdvanceDate: DateOf(1978, 2, 10),
				Payments: monthlyPayments(20000, DateOf(1978, 4, 1), 36)},
			want: "11.82",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Method = USActuarial
			in.UnitPeriod = Frequency{Unit: Month, Every: 1}
			in.Decimals = 2
			got, err := ComputeAPR(in)
			if err != nil {
				t.Fatal(err)
			}
			if s := money.FormatScaled(int64(got.Units), int(got.Scale)); s != tt.want {
				t.Errorf("APR = %s%%, want %s%%", s, tt.want)
			}
		})
	}
}
