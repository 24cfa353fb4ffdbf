// Package store is the contract between loancore's use cases and its
// storage: the interfaces a store implements (one per aggregate: Loans,
// Requests, Agreements, CloseOfBusiness, and Secrets for the server's own
// keys; Store is all of them), the params and records they take and
// return, and the errors every store maps its database's errors to.
// internal/store/postgres and internal/store/sqlite implement it;
// internal/store/storetest is the one conformance suite both pass. Nothing
// here imports the use cases (internal/servicing): they depend on the
// contract, never the other way.
//
// Every write touches one loan (close of business's derived positions
// aside), so the schema stays ready to be distributed by loan id.
package store
