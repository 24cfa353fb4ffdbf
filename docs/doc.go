// Package docs keeps loancore's documentation honest: its test pastes the
// shell blocks of README.md and docs/api-tour.md into a real loand and
// fails when a command stops working or a published figure changes.
//
// The package has no code; the documents are the Markdown files beside
// this one (design.md, api-tour.md, benchmarks.md) and the README at the
// repository root. docs_test.go describes which blocks run.
package docs
