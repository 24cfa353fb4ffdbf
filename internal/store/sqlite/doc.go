// Package sqlite is loancore's embedded store: SQLite in a local file
// through modernc.org/sqlite (pure Go, no cgo), so loand runs with no set-up.
// It implements the storage contract of internal/store (store.Store and
// each of its interfaces) and passes the conformance suite in
// internal/store/storetest; database errors are mapped to the store errors
// here and nowhere else. Its schema is the numbered SQL files under
// migrations/, embedded in the binary and applied by Migrate.
package sqlite
