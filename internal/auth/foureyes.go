package auth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/loancore/loancore/internal/money"
)

// Rule is a four-eyes rule of the policy: calls of RPC (above an amount,
// if Above is set) need a second person holding one of Approvers. This
// package only reads and checks the rules; the approval flow builds on
// them.
type Rule struct {
	// RPC is the full method name the rule holds ("loancore.v1.LoanService/WaiveAmounts").
	RPC string
	// Above is a decimal string ("1000", "999.50"): the rule holds a call
	// only when the total it moves, in the loan's currency, exceeds it.
	// "" holds every call.
	Above string
	// Approvers are the roles that may approve a held call, sorted.
	Approvers []string
}

// plainDecimal is what Above may be: digits and an optional fraction, no
// sign or exponent, so that the file says exactly the amount it means.
var plainDecimal = regexp.MustCompile(`^[0-9]{1,18}(\.[0-9]{1,18})?$`)

// readFourEyes checks and keeps the four_eyes section: each rule names a
// method the policy knows (no wildcard) once, a plain decimal threshold
// if any, and at least one approver role that the policy defines.
func (p *Policy) readFourEyes(rules []ruleFile) error {
	for i, r := range rules {
		where := fmt.Sprintf("four_eyes[%d]", i)
		if _, ok := p.allow[r.RPC]; !ok || strings.HasSuffix(r.RPC, "*") {
			return fmt.Errorf("policy: %s: rpc %q is not a method any role may call (want a full method name)", where, r.RPC)
		}
		if _, dup := p.fourEyes[r.RPC]; dup {
			return fmt.Errorf("policy: %s: a second rule for %s", where, r.RPC)
		}
		if r.Above != "" && !plainDecimal.MatchString(r.Above) {
			return fmt.Errorf("policy: %s: above %q is not a plain decimal amount such as 1000 or 999.50", where, r.Above)
		}
		if len(r.Approvers) == 0 {
			return fmt.Errorf("policy: %s: no approvers", where)
		}
		if err := p.checkRoles(where+": approvers", r.Approvers); err != nil {
			return err
		}
		p.fourEyes[r.RPC] = Rule{RPC: r.RPC, Above: r.Above, Approvers: sortedUnique(r.Approvers)}
	}
	return nil
}

// FourEyes returns the four-eyes rule for method (with or without its
// leading slash), if the policy has one.
func (p *Policy) FourEyes(method string) (Rule, bool) {
	r, ok := p.fourEyes[strings.TrimPrefix(method, "/")]
	r.Approvers = slices.Clone(r.Approvers)
	return r, ok
}

// Applies reports whether the rule holds a call that moves total in
// currency c: always without a threshold, else when total exceeds Above.
// The comparison is exact whatever the currency's minor units.
func (r Rule) Applies(total money.Amount, c money.Currency) bool {
	if r.Above == "" {
		return true
	}
	above, err := decimal.NewFromString(r.Above)
	if err != nil {
		// Not from a loaded policy (which checks Above): hold the call
		// rather than let it through unapproved.
		return true
	}
	return decimal.New(int64(total), -int32(c.MinorUnits)).GreaterThan(above)
}
