// Package pgtest gives tests a real PostgreSQL database. With
// LOANCORE_TEST_DATABASE_URL set it uses that server; otherwise it starts a
// throwaway cluster from the PostgreSQL binaries under /usr/lib/postgresql
// (as the postgres user when run as root, since initdb refuses root) and
// removes it when the tests end. Each test gets its own database, cloned
// from a migrated template, so tests run in parallel (URL), or a new one
// no migration has touched, for tests of migrating (UnmigratedURL).
package pgtest
