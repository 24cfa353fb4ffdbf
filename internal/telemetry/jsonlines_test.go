package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// sameAsSlog fails t unless h's line for r is slog.NewJSONHandler's.
func sameAsSlog(t *testing.T, name string, r slog.Record) {
	t.Helper()
	var got, want bytes.Buffer
	if err := NewJSONHandler(&got).Handle(context.Background(), r.Clone()); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), r.Clone()); err != nil {
		t.Fatalf("%s: slog: %v", name, err)
	}
	if got.String() != want.String() {
		t.Errorf("%s:\n got %s\nwant %s", name, got.String(), want.String())
	}
}

func record(at time.Time, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(at, slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

// TestJSONHandlerAsSlogs: every line is slog's JSON handler's, byte for
// byte, for the audit line's shape, every kind written here, strings
// needing every escape, and the records handed to slog (floats, groups,
// errors, maps, LogValuers, empty keys, a year RFC 3339 cannot hold).
func TestJSONHandlerAsSlogs(t *testing.T) {
	at := time.Date(2026, 12, 6, 22, 51, 25, 123456789, time.UTC)
	odd := "a\"b\\c\nd\re\tf\bg\fh\x00i\x1fj\x7fk<l>m&n\u2028o\u2029p\xffq\xe2\x82r日本"
	cases := []struct {
		name string
		r    slog.Record
	}{
		{"audit line", record(at, "audit", slog.String("subject", "svc-payments"), slog.Any("roles", []string{"servicer", "viewer"}),
			slog.String("via", "jwt"), slog.String("method", "/loancore.v1.LoanService/GetLoan"), slog.String("loan_id", "LN-1"),
			slog.String("code", "OK"), slog.Duration("duration", 1234567*time.Nanosecond), slog.String("peer", "127.0.0.1:41234"),
			slog.String("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"), slog.String("span_id", "00f067aa0ba902b7"))},
		{"no attributes", record(at, "started")},
		{"zero time", record(time.Time{}, "audit", slog.String("a", "b"))},
		{"local time with monotonic reading", record(time.Now().In(time.FixedZone("CST", 8*3600)), "audit")},
		{"every plain kind", record(at, "m", slog.Int64("i", -42), slog.Uint64("u", 1<<63), slog.Bool("t", true),
			slog.Bool("f", false), slog.Duration("d", -time.Second), slog.Int("n", 0))},
		{"nil and empty roles", record(at, "m", slog.Any("nil", []string(nil)), slog.Any("empty", []string{}))},
		{"escapes in message, keys, values and roles", record(at, odd, slog.String(odd, odd), slog.Any("roles", []string{odd, ""}))},
		{"level", slog.NewRecord(at, slog.LevelWarn+1, "m", 0)},
		{"float", record(at, "m", slog.Float64("f", 0.1))},
		{"group", record(at, "m", slog.Group("g", slog.String("a", "b")))},
		{"error", record(at, "m", slog.Any("err", errors.New("boom")))},
		{"map", record(at, "m", slog.Any("m", map[string]int{"a": 1}))},
		{"time attribute", record(at, "m", slog.Time("at", at))},
		{"LogValuer", record(at, "m", slog.Any("v", valuer{}))},
		{"empty key", record(at, "m", slog.String("", "x"), slog.Attr{})},
		{"year 10000", record(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "m")},
	}
	for _, c := range cases {
		sameAsSlog(t, c.name, c.r)
	}
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

// FuzzJSONHandler: any strings, integers and durations give slog's line.
func FuzzJSONHandler(f *testing.F) {
	f.Add("audit", "subject", "svc\n\"x\"", "role\b\f", int64(-1), int64(1e9))
	f.Add("\xff\u2028", "", "\x00", "<&>", int64(0), int64(-5))
	f.Fuzz(func(t *testing.T, msg, key, value, role string, n, d int64) {
		if key == "" {
			key = "k"
		}
		r := record(time.Unix(0, d).UTC(), msg, slog.String(key, value), slog.Any("roles", []string{role, value}),
			slog.Int64("n", n), slog.Duration("d", time.Duration(d)))
		sameAsSlog(t, "fuzzed", r)
	})
}

// TestJSONHandlerLinesWhole: lines written at once from many goroutines,
// by both paths, each arrive whole, one JSON object a line.
func TestJSONHandlerLinesWhole(t *testing.T) {
	var out bytes.Buffer
	h := NewJSONHandler(&out)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				attr := slog.String("s", strings.Repeat("x", 100*g))
				if i%2 == 1 {
					attr = slog.Float64("f", float64(i)) // slog's own handler
				}
				_ = h.Handle(context.Background(), record(time.Now(), "m", attr))
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("%d lines, want %d", len(lines), 8*200)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("not one JSON object: %q", l)
		}
	}
}

// BenchmarkJSONHandler: the audit line of a GetLoan, formatted and
// written to a discarding writer, by this handler and by slog's.
// go test ./internal/telemetry -run '^$' -bench JSONHandler -benchmem
func BenchmarkJSONHandler(b *testing.B) {
	roles := slog.AnyValue([]string{"servicer", "viewer"})
	handlers := map[string]slog.Handler{"kernel=lines": NewJSONHandler(discard{}), "kernel=slog": slog.NewJSONHandler(discard{}, nil)}
	for _, name := range []string{"kernel=lines", "kernel=slog"} {
		h := handlers[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "audit", 0)
				r.AddAttrs(slog.String("subject", "svc-payments"), slog.Attr{Key: "roles", Value: roles}, slog.String("via", "jwt"),
					slog.String("method", "/loancore.v1.LoanService/GetLoan"), slog.String("loan_id", "LN-000123"),
					slog.String("code", "OK"), slog.Duration("duration", 123456), slog.String("peer", "127.0.0.1:41234"))
				_ = h.Handle(context.Background(), r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
