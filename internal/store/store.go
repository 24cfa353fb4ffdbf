package store

// Store is everything loancore keeps: a store implements every aggregate's
// interface. Use cases take the narrower interfaces they need.
type Store interface {
	Loans
	Requests
	Agreements
	Actions
	CloseOfBusiness
	Secrets
	Feed
	CreditLines
}
