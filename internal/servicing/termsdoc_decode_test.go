package servicing

import (
	"encoding/json"
	"reflect"
	"testing"

	segjson "github.com/segmentio/encoding/json"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// FuzzTermsDocDecodesAsStd: segmentio's decoder, which reads terms
// documents (decodeTerms, PrincipalOf), answers as encoding/json does:
// for every input encoding/json reads, the same termsDoc and principal;
// for every input it refuses, a refusal. The seeds are documents
// encodeTerms writes, of every shape, and broken ones.
// go test ./internal/servicing -run '^$' -fuzz FuzzTermsDocDecodesAsStd
func FuzzTermsDocDecodesAsStd(f *testing.F) {
	for _, doc := range termsDocSeeds(f) {
		f.Add(doc)
	}
	for _, s := range []string{`null`, `[]`, `{}`, `{"currency":"CNY","principal":1}`, `{"installment_count":"12"}`,
		`{"installment_count":12.0}`, `{"installment_count":99999999999999999999}`, `{"penalty":null,"charges":null}`,
		`{"charges":[{}],"frequency_days":[1,"2"]}`, `{"Currency":"USD","currency":"CNY"}`, `{"currency":"\u00e9\ud800"}`,
		"{\"currency\":\"\xff\"}", `{"principal":"1"} x`, `{"principal":"1",}`, `{"penalty":{"grace_days":-1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var std, seg termsDoc
		errStd, errSeg := json.Unmarshal(b, &std), segjson.Unmarshal(b, &seg)
		if (errStd == nil) != (errSeg == nil) || errStd == nil && !reflect.DeepEqual(std, seg) {
			t.Fatalf("%q: encoding/json %+v %v\nsegmentio %+v %v", b, std, errStd, seg, errSeg)
		}
		var pStd, pSeg principalDoc
		errStd, errSeg = json.Unmarshal(b, &pStd), segjson.Unmarshal(b, &pSeg)
		if (errStd == nil) != (errSeg == nil) || errStd == nil && pStd != pSeg {
			t.Fatalf("%q: principal: encoding/json %+v %v, segmentio %+v %v", b, pStd, errStd, pSeg, errSeg)
		}
	})
}

// termsDocSeeds are documents encodeTerms writes: a monthly loan, with a
// penalty policy, with every kind of charge, a semi-monthly one with its
// days, and one quoted in a daily rate with an APR.
func termsDocSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	pct, _ := money.ParseRate("0.6", 100)
	daily, _ := money.ParseRate("0.05", engine.MaxRatePercent)
	plain := monthlyTerms(12)
	penalty := monthlyTerms(36)
	penalty.HasPenalty, penalty.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
	charges := monthlyTerms(6)
	charges.Charges = []engine.Charge{{Kind: engine.ServiceFee, Percent: pct, Basis: engine.OriginalPrincipal, FreeAfterInstallments: 2},
		{Kind: engine.LateFee, Percent: pct, Basis: engine.OverdueAmount, Cap: 5_000}, {Kind: engine.UpfrontCharge, Amount: 30_000}}
	semi := monthlyTerms(24)
	semi.Frequency = engine.Frequency{Unit: engine.SemiMonth, Every: 1, Days: [2]int{1, 16}}
	byDay := monthlyTerms(3)
	byDay.SetQuotedRate(engine.QuotedRate{Unit: engine.PerDay, Rate: daily})
	var docs [][]byte
	for i, terms := range []engine.Terms{plain, penalty, charges, semi, byDay} {
		apr := ""
		if i%2 == 1 {
			apr = "12.68"
		}
		b, err := encodeTerms(terms, apr)
		if err != nil {
			tb.Fatalf("shape %d: %v", i, err)
		}
		docs = append(docs, b)
	}
	return docs
}

// TestTermsDocSeedsDecode: every seed is a document decodeTerms reads,
// so the fuzz test starts from documents loand really writes.
func TestTermsDocSeedsDecode(t *testing.T) {
	for _, b := range termsDocSeeds(t) {
		if _, _, _, err := decodeTerms(b); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}

// BenchmarkDecodeTerms reads a 36-month loan's document with a penalty
// policy and an APR, as close of business, a cold write and a page of
// loans read one: decodeTerms whole, and the document alone with each
// decoder.
// go test ./internal/servicing -run '^$' -bench DecodeTerms -benchmem
func BenchmarkDecodeTerms(b *testing.B) {
	doc := termsDocSeeds(b)[1]
	b.Run("decodeTerms", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := decodeTerms(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, unmarshal := range map[string]func([]byte, any) error{"decoder=encoding-json": json.Unmarshal, "decoder=segmentio": segjson.Unmarshal} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var d termsDoc
				if err := unmarshal(doc, &d); err != nil || d.Penalty == nil {
					b.Fatal(err)
				}
			}
		})
	}
}
