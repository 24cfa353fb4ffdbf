// Package postgres is loancore's production store: PostgreSQL through
// pgx/v5. It implements the storage contract of internal/store
// (store.Store and each of its interfaces) and passes the conformance
// suite in internal/store/storetest; database errors are mapped to the
// store errors here and nowhere else. Its schema is the numbered SQL files
// under migrations/, embedded in the binary and applied by Migrate.
package postgres
