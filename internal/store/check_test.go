package store

import "testing"

// TestAppendChecks holds the seq rules every store applies before it
// writes (AppendEventParams.Check, AppendLineEventParams.Check): each
// part that disagrees is refused, and the consistent append is not.
func TestAppendChecks(t *testing.T) {
	ok := func() AppendEventParams {
		return AppendEventParams{LoanID: "L", ExpectedVersion: 4, Event: EventRecord{Seq: 5}, Request: RequestRecord{Seq: 5}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*AppendEventParams)
		wrong bool
	}{
		{"consistent", func(*AppendEventParams) {}, false},
		{"with snapshot and line", func(p *AppendEventParams) {
			p.Snapshot = &SnapshotRecord{Seq: 5}
			p.Line = &LineEventAppend{ExpectedVersion: 2, Event: CreditLineEventRecord{Seq: 3}}
		}, false},
		{"event past the next seq", func(p *AppendEventParams) { p.Event.Seq, p.Request.Seq = 6, 6 }, true},
		{"request on another seq", func(p *AppendEventParams) { p.Request.Seq = 4 }, true},
		{"snapshot on another seq", func(p *AppendEventParams) { p.Snapshot = &SnapshotRecord{Seq: 4} }, true},
		{"line event past the next seq", func(p *AppendEventParams) {
			p.Line = &LineEventAppend{ExpectedVersion: 2, Event: CreditLineEventRecord{Seq: 4}}
		}, true},
		{"line's first event", func(p *AppendEventParams) {
			p.Line = &LineEventAppend{ExpectedVersion: 0, Event: CreditLineEventRecord{Seq: 1}}
		}, true},
	} {
		p := ok()
		tc.edit(&p)
		if err := p.Check(); (err != nil) != tc.wrong {
			t.Errorf("%s: Check() = %v, want an error: %v", tc.name, err, tc.wrong)
		}
	}
	for _, tc := range []struct {
		version, seq int64
		wrong        bool
	}{{1, 2, false}, {7, 8, false}, {1, 3, true}, {2, 2, true}, {0, 1, true}} {
		p := AppendLineEventParams{CreditLineID: "C", ExpectedVersion: tc.version, Event: CreditLineEventRecord{Seq: tc.seq}}
		if err := p.Check(); (err != nil) != tc.wrong {
			t.Errorf("line append of seq %d at version %d: Check() = %v, want an error: %v", tc.seq, tc.version, err, tc.wrong)
		}
	}
}
