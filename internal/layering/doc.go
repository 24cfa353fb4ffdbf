// Package layering holds the test that enforces loancore's dependency
// direction: cmd → grpcapi → servicing → engine → money, with the stores
// implementing the contract in internal/store, which servicing depends on
// and which depends on nothing above the engine.
//
// The package has no code: layering_test.go holds the rules, one per
// package or subtree, and the test that checks every non-test import in
// the module against them. size_test.go keeps the code readable whole:
// no function over 70 lines, no file over 700 (generated code aside).
package layering
