// Package money holds the exact number types of loancore: amounts in a
// currency's minor units, rates as scaled decimal percentages, the rounding
// modes a contract may name, and the 128-bit arithmetic that lets the engine
// multiply and divide them without ever losing a digit.
//
// Nothing here uses binary floating point. Decimal strings cross the API
// boundary through ParseAmount, ParseRate and their Format methods, which use
// github.com/shopspring/decimal so that every syntax the decimal package
// accepts is parsed the same way everywhere.
package money
