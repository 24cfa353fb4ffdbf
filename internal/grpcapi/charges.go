package grpcapi

import (
	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// The API's charge kinds and bases and the engine's, one to one: the
// engine numbers them as the proto does, but a table says so on purpose.
var (
	chargeKinds = map[loancorev1.ChargeKind]engine.ChargeKind{
		loancorev1.ChargeKind_CHARGE_KIND_SERVICE_FEE:    engine.ServiceFee,
		loancorev1.ChargeKind_CHARGE_KIND_LATE_FEE:       engine.LateFee,
		loancorev1.ChargeKind_CHARGE_KIND_PREPAYMENT_FEE: engine.PrepaymentFee,
		loancorev1.ChargeKind_CHARGE_KIND_UPFRONT:        engine.UpfrontCharge,
	}
	chargeBases = map[loancorev1.ChargeBasis]engine.ChargeBasis{
		loancorev1.ChargeBasis_CHARGE_BASIS_ORIGINAL_PRINCIPAL:    engine.OriginalPrincipal,
		loancorev1.ChargeBasis_CHARGE_BASIS_OUTSTANDING_PRINCIPAL: engine.OutstandingPrincipal,
		loancorev1.ChargeBasis_CHARGE_BASIS_OVERDUE_AMOUNT:        engine.OverdueAmount,
		loancorev1.ChargeBasis_CHARGE_BASIS_PREPAID_PRINCIPAL:     engine.PrepaidPrincipal,
	}
)

// charges reads the terms' charges. More than engine.MaxCharges are
// refused before any is read, so a request with a million charges costs
// one violation. Unspecified kinds are left to engine.Terms.Validate,
// which says what a kind must be; unknown enum values are named here.
func (p *parser) charges(prefix string, in []*loancorev1.Charge, cur money.Currency) []engine.Charge {
	if len(in) > engine.MaxCharges {
		p.add(prefix+"charges", "at most %d charges", engine.MaxCharges)
		return nil
	}
	var out []engine.Charge
	for i, c := range in {
		f := func(name string) string { return prefix + engine.ListField("charges", i, name) }
		var ch engine.Charge
		if k, ok := chargeKinds[c.GetKind()]; ok {
			ch.Kind = k
		} else if c.GetKind() != loancorev1.ChargeKind_CHARGE_KIND_UNSPECIFIED {
			p.enumUnknown(f("kind"), int32(c.GetKind()))
		}
		ch.Amount = p.amount(f("amount"), c.GetAmount(), cur, false)
		if s := c.GetPercent(); s != "" {
			r, err := money.ParseRate(s, engine.MaxChargePercent)
			if err != nil {
				p.add(f("percent"), "%s", describe(err, "0.6"))
			}
			ch.Percent = r
		}
		if b, ok := chargeBases[c.GetBasis()]; ok {
			ch.Basis = b
		} else if c.GetBasis() != loancorev1.ChargeBasis_CHARGE_BASIS_UNSPECIFIED {
			p.enumUnknown(f("basis"), int32(c.GetBasis()))
		}
		if s := c.GetCap(); s != "" {
			if ch.Cap = p.amount(f("cap"), s, cur, true); ch.Cap == 0 {
				p.add(f("cap"), "must be greater than zero; leave it empty for none")
			}
		}
		ch.FreeAfterInstallments = int(c.GetFreeAfterInstallments())
		out = append(out, ch)
	}
	return out
}

// termsChargesToProto renders the terms' charges as given.
func termsChargesToProto(t engine.Terms) []*loancorev1.Charge {
	var out []*loancorev1.Charge
	for _, ch := range t.Charges {
		pc := &loancorev1.Charge{Kind: loancorev1.ChargeKind(ch.Kind), FreeAfterInstallments: int32(ch.FreeAfterInstallments)}
		if ch.Amount != 0 {
			pc.Amount = ch.Amount.Format(t.Currency)
		}
		if !ch.Percent.IsZero() {
			pc.Percent, pc.Basis = ch.Percent.String(), loancorev1.ChargeBasis(ch.Basis)
		}
		if ch.Cap != 0 {
			pc.Cap = ch.Cap.Format(t.Currency)
		}
		out = append(out, pc)
	}
	return out
}
