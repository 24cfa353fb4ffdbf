// Package servicing holds loancore's use cases: quoting schedules, and
// originating, repaying, reversing, waiving, writing off and restructuring
// loans as their event logs grow, and the daily close of business. It
// calls the pure engine for every figure and reaches storage only through
// the contract in internal/store.
package servicing
