// Package storetest is the conformance suite every store.Store passes:
// one set of tests, run against PostgreSQL and SQLite on real databases,
// in one file per area of the contract (loans, requests, snapshots,
// agreements, close of business). Run fails if a method of the contract
// was called by no test, so a method added to an interface needs a test
// here before either store passes.
package storetest
