// Package sqlite is loancore's embedded store: SQLite in a local file
// through modernc.org/sqlite (pure Go, no cgo), so loand runs with no set-up.
// It implements the storage contract of internal/store (store.Store and
// each of its interfaces) and passes the conformance suite in
// internal/store/storetest; database errors are mapped to the store errors
// here and nowhere else. Its schema is the numbered SQL files under
// migrations/, embedded in the binary and applied by Migrate.
//
// Its files follow the contract's interfaces, as PostgreSQL's do: sqlite.go
// opens, migrates and maps errors; loan_write.go and loan_read.go are a
// loan's log (store.Loans, store.Requests); marker.go and walindex.go the
// change marker read from the WAL index; the cob_ files are
// store.CloseOfBusiness (cob_runs.go a date's run, cob_page.go the loans
// a date still has to do, cob.go the writes of positions and their
// carry, cob_reads.go what is read back, cob_prune.go the retention);
// feed.go is the event feed, and agreements.go, actions.go,
// creditlines.go and secrets.go the aggregates of their names.
package sqlite
