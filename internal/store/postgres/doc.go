// Package postgres is loancore's production store: PostgreSQL through
// pgx/v5. It implements the storage contract of internal/store
// (store.Store and each of its interfaces) and passes the conformance
// suite in internal/store/storetest; database errors are mapped to the
// store errors here and nowhere else. Its schema is the numbered SQL files
// under migrations/, embedded in the binary and applied by Migrate.
//
// Its files follow the contract's interfaces. postgres.go opens the pool,
// migrates and maps errors; loan_write.go and loan_read.go are a loan's
// log (store.Loans, store.Requests), with appendgroup.go, loadgroup.go
// and group.go sending the appends and loads that arrive together as one
// round trip; member.go and solo.go fence the writing processes and tell
// a store alone on its database (marker.go, the change marker reads ask).
// The cob_ files are store.CloseOfBusiness: cob_runs.go a date's run and
// its fence, cob_page.go the loans a date still has to do, cob.go a
// batch's write (cob_positions.go the positions by COPY and the carry,
// cob_carry_whole.go a page carried whole, cob_journal.go the journal),
// cob_reads.go what collections and notices read back, cob_prune.go the
// retention of position dates. feed.go is the event feed, and
// agreements.go, actions.go, creditlines.go and secrets.go the
// aggregates of their names.
package postgres
