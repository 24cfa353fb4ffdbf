package grpcapi

import (
	"context"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// scheduleService implements loancore.v1.ScheduleService.
type scheduleService struct {
	loancorev1.UnimplementedScheduleServiceServer
	// apr flags or refuses quotes above the server's maximum APR.
	apr servicing.APRPolicy
}

// QuoteSchedule implements loancore.v1.ScheduleService/QuoteSchedule.
func (s *scheduleService) QuoteSchedule(ctx context.Context, req *loancorev1.QuoteScheduleRequest) (*loancorev1.QuoteScheduleResponse, error) {
	var p parser
	terms := p.terms("terms.", req.GetTerms())
	decimals := p.aprDecimals("apr_decimal_places", req.AprDecimalPlaces, servicing.DefaultAPRDecimals)
	var toCheck *engine.Terms
	if req.GetTerms() != nil {
		toCheck = &terms
	}
	if err := p.err("terms.", toCheck); err != nil {
		return nil, err
	}
	q, err := servicing.QuoteSchedule(servicing.QuoteScheduleParams{Terms: terms, APRDecimals: decimals, Policy: s.apr})
	if err != nil {
		return nil, err
	}
	return quoteToProto(q), nil
}

func quoteToProto(q servicing.ScheduleQuote) *loancorev1.QuoteScheduleResponse {
	c := q.Terms.Currency
	sch := q.Schedule
	out := &loancorev1.QuoteScheduleResponse{
		Installments:      make([]*loancorev1.ScheduleInstallment, len(sch.Installments)),
		InstallmentAmount: sch.InstallmentAmount.Format(c),
		TotalInterest:     sch.TotalInterest.Format(c),
		TotalPayment:      sch.TotalPayment.Format(c),
		TotalPrincipal:    sch.TotalPrincipal.Format(c),
		MaturityDate:      sch.MaturityDate.String(),
		AprPercent:        formatRate(q.APR),
		Currency:          c.Code,
		AmountAdvanced:    q.AmountAdvanced.Format(c),
		// The rate the schedule was computed with, whatever it was quoted per.
		AnnualRateEquivalentPercent: q.Terms.AnnualRate.String(),
		TotalFees:                   sch.TotalFees.Format(c),
		UpfrontFee:                  q.UpfrontFee.Format(c),
		TotalCost:                   (sch.TotalInterest + sch.TotalFees + q.UpfrontFee).Format(c),
		AprAboveMaximum:             q.AboveMaximum,
	}
	if !q.Maximum.IsZero() {
		out.AprMaximumPercent = q.Maximum.String()
	}
	for i, in := range sch.Installments {
		out.Installments[i] = &loancorev1.ScheduleInstallment{
			Number:       int32(in.Number),
			DueDate:      in.DueDate.String(),
			Principal:    in.Principal.Format(c),
			Interest:     in.Interest.Format(c),
			Total:        (in.Total + in.Fees).Format(c),
			BalanceAfter: in.BalanceAfter.Format(c),
			StartDate:    in.StartDate.String(),
			Fees:         in.Fees.Format(c),
		}
	}
	return out
}

// formatRate renders a rate with exactly its scale's decimal places:
// "12.00", not "12".
func formatRate(r money.Rate) string {
	return money.FormatScaled(int64(r.Units), int(r.Scale))
}

// ComputeApr implements loancore.v1.ScheduleService/ComputeApr.
func (s *scheduleService) ComputeApr(ctx context.Context, req *loancorev1.ComputeAprRequest) (*loancorev1.ComputeAprResponse, error) {
	var p parser
	cur := anyPrecision
	if req.GetCurrency() != "" {
		cur, _ = p.currency("currency", req.GetCurrency())
	}
	in := engine.APRInput{
		Advanced:    p.amount("amount_advanced", req.GetAmountAdvanced(), cur, true),
		AdvanceDate: p.date("advance_date", req.GetAdvanceDate(), true),
		UnitPeriod:  p.frequency("unit_period", req.GetUnitPeriod(), aprUnitPeriod),
		Decimals:    p.aprDecimals("apr_decimal_places", req.AprDecimalPlaces, servicing.DefaultAPRDecimals),
	}
	switch req.GetMethod() {
	case loancorev1.AprMethod_APR_METHOD_UNSPECIFIED:
		p.add("method", "required: APR_METHOD_US_ACTUARIAL or APR_METHOD_IRR_NOMINAL")
	case loancorev1.AprMethod_APR_METHOD_US_ACTUARIAL:
		in.Method = engine.USActuarial
	case loancorev1.AprMethod_APR_METHOD_IRR_NOMINAL:
		in.Method = engine.IRRNominal
	default:
		p.enumUnknown("method", int32(req.GetMethod()))
	}
	if len(req.GetPayments()) > engine.MaxAPRPayments {
		p.add("payments", "at most %d payments", engine.MaxAPRPayments)
	} else {
		for i, pay := range req.GetPayments() {
			in.Payments = append(in.Payments, engine.CashFlow{
				Amount: p.amount(engine.ListField("payments", i, "amount"), pay.GetAmount(), cur, true),
				Date:   p.date(engine.ListField("payments", i, "date"), pay.GetDate(), true),
			})
		}
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	apr, err := engine.ComputeAPR(in)
	if err != nil {
		return nil, err
	}
	return &loancorev1.ComputeAprResponse{AprPercent: formatRate(apr)}, nil
}
