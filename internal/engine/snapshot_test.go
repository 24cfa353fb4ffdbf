package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSnapshotRoundTrip: for the random loans and logs of
// TestAdvanceToEqualsReplay, folded as of a day on or after the last event,
// a state without restructuring agreements decodes from its snapshot equal
// to itself, field by field, unexported bookkeeping included; taken up
// from the snapshot, it advances to a later day and takes a payment
// exactly as a replay does. A state with agreements is refused.
func TestSnapshotRoundTrip(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5a47))
	encoded, refused, penalty, appended := 0, 0, 0, 0
	for n := 0; n < 800; n++ {
		c, ok := randomLogCase(rng)
		if !ok {
			continue
		}
		terms, s, events, d1, d2 := c.terms, c.sched, c.events, c.d1, c.d2
		fail := func(format string, args ...any) {
			t.Helper()
			c.fatalf(t, seed, format, args...)
		}
		st := FoldSchedule(terms, s, events, d1)
		b, err := st.EncodeSnapshot()
		if len(st.Agreements) > 0 {
			if err != ErrNotSnapshottable {
				fail("a state with agreements encoded: %v", err)
			}
			refused++
			continue
		}
		if err != nil {
			fail("EncodeSnapshot: %v", err)
		}
		encoded++
		if terms.HasPenalty {
			penalty++
		}
		got, err := DecodeSnapshot(b)
		if err != nil {
			fail("DecodeSnapshot: %v", err)
		}
		if g, w := describeFold(got), describeFold(st); g != w {
			fail("round trip\n got %s\nwant %s", g, w)
		}
		adv, ok := got.AdvanceTo(terms, d2)
		if !ok {
			fail("a decoded state refused AdvanceTo")
		}
		if g, w := describeFold(adv), describeFold(FoldSchedule(terms, s, events, d2)); g != w {
			fail("AdvanceTo from the snapshot\n got %s\nwant %s", g, w)
		}
		if c.appendLater(rng, adv, func(format string, args ...any) { fail("from the snapshot: "+format, args...) }) {
			appended++
		}
	}
	t.Logf("%d states encoded (%d with a penalty policy), %d with agreements refused, %d payments appended", encoded, penalty, refused, appended)
	if encoded < 400 || penalty < 150 || refused < 100 || appended < 250 {
		t.Fatalf("seed %d: the test does not exercise the snapshot enough", seed)
	}
}

// TestDecodeSnapshotRefuses: bytes that are not exactly one snapshot of
// this format are refused with an error, not a panic or a partial state.
func TestDecodeSnapshotRefuses(t *testing.T) {
	var good []byte
	for rng := rand.New(rand.NewPCG(3, 4)); good == nil; {
		if c, ok := randomLogCase(rng); ok {
			good, _ = FoldSchedule(c.terms, c.sched, c.events, c.sched.MaturityDate).EncodeSnapshot()
		}
	}
	otherFormat := append([]byte{SnapshotFormat + 1}, good[1:]...)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"other format":   otherFormat,
		"truncated":      good[:len(good)-1],
		"trailing byte":  append(bytes.Clone(good), 0),
		"huge count":     {SnapshotFormat, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"overlong value": append([]byte{SnapshotFormat}, bytes.Repeat([]byte{0xff}, 11)...),
	} {
		if _, err := DecodeSnapshot(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzDecodeSnapshot: DecodeSnapshot never panics, and what it accepts
// encodes to a snapshot that decodes to the same state.
func FuzzDecodeSnapshot(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for len := 0; len < 8; {
		c, ok := randomLogCase(rng)
		if !ok {
			continue
		}
		if b, err := FoldSchedule(c.terms, c.sched, c.events, c.sched.MaturityDate).EncodeSnapshot(); err == nil {
			f.Add(b)
			len++
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := DecodeSnapshot(b)
		if err != nil {
			return
		}
		again, err := st.EncodeSnapshot()
		if err != nil {
			t.Fatalf("a decoded state does not encode: %v", err)
		}
		st2, err := DecodeSnapshot(again)
		if err != nil {
			t.Fatalf("re-encoded snapshot refused: %v", err)
		}
		if g, w := describeFold(st2), describeFold(st); g != w {
			t.Fatalf("re-encoded snapshot differs\n got %s\nwant %s", g, w)
		}
	})
}

// TestSnapshotFields lists every field of the state a snapshot holds, and
// fails when one is added, removed or retyped: the codec must then be
// changed, SnapshotFormat raised, and the list refreshed with -update.
func TestSnapshotFields(t *testing.T) {
	var lines []string
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Slice || ty.Kind() == reflect.Pointer {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || ty.PkgPath() != reflect.TypeFor[LoanState]().PkgPath() {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			lines = append(lines, fmt.Sprintf("%s.%s %s", ty.Name(), f.Name, f.Type))
			// Agreements and what only they set are refused, not encoded.
			if f.Name != "Agreements" && f.Name != "plan" && f.Name != "Superseded" {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[LoanState]())
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "snapshot_fields.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("the fields of LoanState changed: change EncodeSnapshot and DecodeSnapshot, raise SnapshotFormat, then run go test ./internal/engine -run SnapshotFields -update\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestSnapshotFormatPinned folds a fixed set of random loans and logs and
// compares a hash of their snapshots with the one recorded for this
// SnapshotFormat. A change to how a fold is computed that changes any of
// them (a fix to accrual, say) would make snapshots stored by an older
// build disagree with a replay by this one, so it must come with a new
// SnapshotFormat, whose hash -update records. (A change to the test's
// generators changes the hash too; raising the format then only costs one
// replay per loan.)
func TestSnapshotFormatPinned(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261130, 1))
	h := sha256.New()
	n := 0
	for n < 300 {
		c, ok := randomLogCase(rng)
		if !ok {
			continue
		}
		b, err := FoldSchedule(c.terms, c.sched, c.events, c.d1).EncodeSnapshot()
		if err != nil {
			continue
		}
		h.Write(b)
		n++
	}
	got := hex.EncodeToString(h.Sum(nil)) + "\n"
	path := filepath.Join("testdata", fmt.Sprintf("snapshot_format_%d.sha256", SnapshotFormat))
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no recorded hash for SnapshotFormat %d: run go test ./internal/engine -run SnapshotFormatPinned -update (%v)", SnapshotFormat, err)
	}
	if got != string(want) {
		t.Fatalf("the folds behind SnapshotFormat %d changed: snapshots stored by an older build would disagree with a replay. Raise SnapshotFormat, then run go test ./internal/engine -run SnapshotFormatPinned -update", SnapshotFormat)
	}
}
