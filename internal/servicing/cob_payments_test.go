package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// dailyPayments make the seeded payments and reversals of the close of
// business tests on loans L00…: each day each loan pays, with chance 1
// in payOdds, a random amount dated that day or up to two days back, and
// after a payment, with chance 1 in reverseOdds, its loan's payment
// before it is reversed. Two of them with the same seed, on loans that
// answer alike, make the same calls.
type dailyPayments struct {
	rng                  *rand.Rand
	seed                 uint64
	payOdds, reverseOdds int
	paid                 [][]int64
	reversals            int
}

func newDailyPayments(seed, stream uint64, n, payOdds, reverseOdds int) *dailyPayments {
	return &dailyPayments{rng: rand.New(rand.NewPCG(seed, stream)), seed: seed, payOdds: payOdds, reverseOdds: reverseOdds,
		paid: make([][]int64, n)}
}

// day records day's payments (request ids p<day>-<loan>, r<day>-<loan>),
// today being the value date of the undated ones. A payment the loan
// refuses (paid off) is skipped.
func (p *dailyPayments) day(t *testing.T, loans *servicing.Loans, day int, today engine.Date) {
	t.Helper()
	ctx := context.Background()
	for i := range p.paid {
		if p.rng.IntN(p.payOdds) != 0 {
			continue
		}
		id := fmt.Sprintf("L%02d", i)
		res, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d-%d", day, i), RequestHash: "h",
			LoanID: id, Amount: money.Amount(1 + p.rng.Int64N(40_000)).Format(penaltyTerms(i).Currency),
			ValueDate: today.AddDays(-p.rng.IntN(3) * p.rng.IntN(2)), Actor: "test"})
		var pre *servicing.PreconditionError
		if errors.As(err, &pre) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: day %d %s: %v", p.seed, day, id, err)
		}
		// Now and then an earlier payment is reversed: the loan's
		// version moves, and its next close must not count the payment.
		p.paid[i] = append(p.paid[i], res.Seq)
		if len(p.paid[i]) > 1 && p.rng.IntN(p.reverseOdds) == 0 {
			target := p.paid[i][len(p.paid[i])-2]
			if _, err := loans.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: fmt.Sprintf("r%d-%d", day, i), RequestHash: "h",
				LoanID: id, Seq: target, Reason: "test", Actor: "test"}); err != nil {
				t.Fatalf("seed %d: reversal: %v", p.seed, err)
			}
			p.paid[i] = slices.DeleteFunc(p.paid[i], func(s int64) bool { return s == target })
			p.reversals++
		}
	}
}
