package servicing

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// TestTermsRoundTrip: the stored terms document reads back as the same terms.
func TestTermsRoundTrip(t *testing.T) {
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate("4.35", 1000)
	for m := engine.EqualInstallment; m <= engine.Flat; m++ {
		terms := engine.Terms{Currency: cny, Principal: 123456, AnnualRate: rate, InstallmentCount: 7, Frequency: engine.Frequency{Unit: engine.Month, Every: 1},
			Method: m, DisbursementDate: engine.DateOf(2024, 1, 10), FirstDueDate: engine.NoDate, InterestAccrual: engine.Periodic, DayCount: engine.Act360,
			Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1}, Allocation: 2, Prepayment: 2, Overpayment: 2, Early: engine.PrepayPrincipal}
		if m%2 == 1 {
			// The newer policies, only written when not the default.
			terms.Early, terms.Allocation = engine.CoversNextInstallment, engine.AllInterestFirst
		}
		b, _ := encodeTerms(terms, "")
		got, err := DecodeTerms(b)
		if err != nil || !reflect.DeepEqual(got, terms) {
			t.Fatalf("%s\n%+v\n%+v %v", b, terms, got, err)
		}
	}
}

// TestTermsRoundTripCharges: charges of every kind and shape read back as
// written (issue 20), and terms without charges are written without the
// key, so documents of loans booked before charges read as they did.
func TestTermsRoundTripCharges(t *testing.T) {
	terms := monthlyTerms(12)
	b, err := encodeTerms(terms, "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("charges")) {
		t.Errorf("a document without charges mentions them: %s", b)
	}
	// The terms as a document reads them (defaults filled in).
	if terms, err = DecodeTerms(b); err != nil {
		t.Fatal(err)
	}
	pct, _ := money.ParseRate("0.6", 100)
	terms.Charges = []engine.Charge{
		{Kind: engine.ServiceFee, Percent: pct, Basis: engine.OriginalPrincipal, FreeAfterInstallments: 6},
		{Kind: engine.ServiceFee, Amount: 1_500},
		{Kind: engine.ServiceFee, Percent: pct, Basis: engine.OutstandingPrincipal},
		{Kind: engine.LateFee, Percent: pct, Basis: engine.OverdueAmount, Cap: 5_000},
		{Kind: engine.PrepaymentFee, Percent: pct, Basis: engine.PrepaidPrincipal, FreeAfterInstallments: 3},
		{Kind: engine.UpfrontCharge, Amount: 30_000},
	}
	b, err = encodeTerms(terms, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTerms(b)
	if err != nil || !reflect.DeepEqual(got, terms) {
		t.Fatalf("%s\n%+v\n%+v %v", b, terms.Charges, got.Charges, err)
	}
	bad := bytes.Replace(b, []byte(`"LATE_FEE"`), []byte(`"LATE"`), 1)
	if _, err := DecodeTerms(bad); err == nil {
		t.Errorf("an unknown charge kind read without error")
	}
}

// TestTermsDocumentAPR: the APR a terms document keeps reads back with
// DefaultAPRDecimals places, as QuoteSchedule shows it ("12.00", not "12",
// which ParseRate alone would give); a document without one says so; one
// that does not parse, or has more places than were ever written, is an
// error rather than a wrong figure.
func TestTermsDocumentAPR(t *testing.T) {
	// The terms as a document reads them (defaults filled in).
	b, err := encodeTerms(monthlyTerms(12), "")
	if err != nil {
		t.Fatal(err)
	}
	terms, err := DecodeTerms(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stored  string
		want    money.Rate
		has, ok bool
	}{
		{"12.00", money.Rate{Units: 1200, Scale: 2}, true, true},
		{"18.20", money.Rate{Units: 1820, Scale: 2}, true, true},
		{"0.00", money.Rate{Units: 0, Scale: 2}, true, true},
		{"", money.Rate{}, false, true},
		{"1.234", money.Rate{}, false, false},
		{"twelve", money.Rate{}, false, false},
		{"-1.00", money.Rate{}, false, false},
	} {
		b, err := encodeTerms(terms, c.stored)
		if err != nil {
			t.Fatal(err)
		}
		got, apr, has, err := decodeTerms(b)
		if (err == nil) != c.ok || has != c.has || (c.ok && (apr != c.want || !reflect.DeepEqual(got, terms))) {
			t.Errorf("apr_percent %q: APR %v at scale %d, has %v, err %v; want %v at scale %d, has %v, ok %v",
				c.stored, apr, apr.Scale, has, err, c.want, c.want.Scale, c.has, c.ok)
		}
	}
}

// TestPrincipalOf: a list's principal, read alone, is what the whole
// document's terms say.
func TestPrincipalOf(t *testing.T) {
	for _, terms := range []engine.Terms{monthlyTerms(12), monthlyTerms(360)} {
		doc, err := EncodeTerms(terms, "")
		if err != nil {
			t.Fatal(err)
		}
		whole, err := DecodeTerms(doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PrincipalOf(doc)
		if want := whole.Principal.Format(whole.Currency); err != nil || got != want {
			t.Fatalf("PrincipalOf = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := PrincipalOf([]byte(`{"currency":"XXX","principal":"1"}`)); err == nil {
		t.Fatal("an unknown currency read")
	}
}
