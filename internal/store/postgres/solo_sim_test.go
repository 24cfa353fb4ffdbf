package postgres_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

var soloSeed = flag.Uint64("solo-seed", 0, "seed of TestSoloSimulation (0: from the clock)")

// simStore is one store of the simulation and the read cache it keeps
// as servicing's does: per loan, the version it answered and the marker
// that version was confirmed at.
type simStore struct {
	s     *postgres.Store
	cache map[string]simEntry
}

type simEntry struct {
	version int64
	marker  string
}

// soloSim is TestSoloSimulation's world: stores on one database, its
// loans, and a connection that reads the truth.
type soloSim struct {
	t      *testing.T
	rng    *rand.Rand
	dbURL  string
	admin  *pgx.Conn
	stores []*simStore
	loans  []string
	reads  map[string]int // answers by how they were had
}

// TestSoloSimulation runs seeded random operations on three stores of one
// database: writes, reads through a read cache kept as servicing keeps
// it, pauses that let the stores become solo and leave it, member
// sessions ended from outside, stores closed and opened again. Every read
// must answer the loan's version as of its start (the operations run one
// at a time, so that is the version after every write that returned).
func TestSoloSimulation(t *testing.T) {
	seed := *soloSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -solo-seed=%d)", seed, seed)
	ctx := context.Background()
	sim := &soloSim{t: t, rng: rand.New(rand.NewPCG(seed, seed)), dbURL: pgtest.URL(t), loans: []string{"L1", "L2", "L3"},
		reads: map[string]int{}}
	sim.admin = session(t, sim.dbURL, "loancore")
	for range 3 {
		sim.stores = append(sim.stores, &simStore{s: sim.open(), cache: map[string]simEntry{}})
	}
	for _, l := range sim.loans {
		if err := sim.stores[0].s.CreateLoan(ctx, newLoan(l)); err != nil {
			t.Fatal(err)
		}
	}
	for range 300 {
		sim.step(ctx)
	}
	// At the end the first store is left alone, so that every run reads
	// from memory at least there.
	for _, st := range sim.stores[1:] {
		st.s.Close()
	}
	waitSolo(t, sim.stores[0].s, true)
	for range 2 {
		for _, l := range sim.loans {
			sim.read(ctx, sim.stores[0], l)
		}
	}
	t.Logf("reads answered: %v", sim.reads)
	if sim.reads["memory"] == 0 {
		t.Error("no read was answered from memory")
	}
}

func (sim *soloSim) open() *postgres.Store {
	s, err := postgres.OpenWithTimings(context.Background(), sim.dbURL, soloTimings)
	if err != nil {
		sim.t.Fatal(err)
	}
	sim.t.Cleanup(s.Close)
	return s
}

// step runs one random operation. Most writes go through the first
// store and the others are often closed and opened again, so that the
// first is often the only writer, and solo comes and goes.
func (sim *soloSim) step(ctx context.Context) {
	st := sim.stores[sim.rng.IntN(len(sim.stores))]
	loan := sim.loans[sim.rng.IntN(len(sim.loans))]
	switch n := sim.rng.IntN(100); {
	case n < 35:
		sim.read(ctx, st, loan)
	case n < 50:
		if sim.rng.IntN(4) != 0 {
			st = sim.stores[0]
		}
		sim.write(ctx, st, loan)
	case n < 85:
		// Let the pollers run: a store alone may become solo, a joiner
		// may find a holder yielding.
		time.Sleep(time.Duration(sim.rng.IntN(8)) * soloTimings.Poll())
	case n < 93:
		if pid := st.s.MemberPID(); pid != 0 {
			if _, err := sim.admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
				sim.t.Fatal(err)
			}
		}
	default:
		if st == sim.stores[0] && sim.rng.IntN(3) != 0 {
			st = sim.stores[1+sim.rng.IntN(len(sim.stores)-1)]
		}
		st.s.Close()
		st.s, st.cache = sim.open(), map[string]simEntry{}
	}
}

// truth is loan's version now.
func (sim *soloSim) truth(ctx context.Context, loan string) int64 {
	var v int64
	if err := sim.admin.QueryRow(ctx, `SELECT max(seq) FROM loan_events WHERE loan_id = $1`, loan).Scan(&v); err != nil {
		sim.t.Fatal(err)
	}
	return v
}

// read answers loan's version as servicing's read cache would: from
// memory when the entry's marker is unchanged, else from a check.
func (sim *soloSim) read(ctx context.Context, st *simStore, loan string) {
	want := sim.truth(ctx, loan)
	e, ok := st.cache[loan]
	if ok && st.s.MarkerUnchanged(e.marker) {
		sim.reads["memory"]++
		if e.version != want {
			sim.t.Fatalf("answered version %d from memory (marker %q), the loan is at %d", e.version, e.marker, want)
		}
		return
	}
	got, err := st.s.LoanVersionsSince(ctx, e.marker, []string{loan})
	if err != nil {
		sim.t.Fatal(err)
	}
	v, how := got.Versions[loan], "check"
	if ok && got.Marker == e.marker && got.Versions == nil {
		v, how = e.version, "unchanged marker"
	}
	sim.reads[how]++
	if v != want {
		sim.t.Fatalf("answered version %d (%s, marker %q then %q), the loan is at %d", v, how, e.marker, got.Marker, want)
	}
	st.cache[loan] = simEntry{version: v, marker: got.Marker}
}

// write pays loan through st at its current version.
func (sim *soloSim) write(ctx context.Context, st *simStore, loan string) {
	v := sim.truth(ctx, loan)
	p := pay(loan, v)
	p.Event.RequestID = fmt.Sprintf("sim-%s-%d", loan, v)
	p.Request.RequestID = p.Event.RequestID
	if err := st.s.AppendEvent(ctx, p); err != nil {
		sim.t.Fatalf("pay %s at %d: %v", loan, v, err)
	}
}
