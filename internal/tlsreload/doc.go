// Package tlsreload serves TLS from certificate, key and client CA files
// that may be replaced while the server runs. A Reloader reads the files
// once at start, where a bad file is an error, and again on Reload (loand
// calls it on SIGHUP) or when Watch sees the files' directories change.
// Each handshake takes the files last read well: a replacement that does
// not parse, or whose key does not match its certificate, is logged and
// leaves the previous ones in place, and connections already made keep
// the certificate they were made with.
//
// It depends on the standard library and fsnotify only, so that it knows
// nothing of loancore.
package tlsreload
