package auth

import (
	"crypto/x509"
	"errors"
	"strings"
)

// Credentials are what a call presents to prove who is calling.
type Credentials struct {
	// Authorization is the call's authorization header, "" if none.
	Authorization string
	// Certificate is the client certificate TLS verified against the
	// client CA, nil if none. An unverified certificate must never be
	// passed here.
	Certificate *x509.Certificate
}

// Authenticator turns a call's Credentials into a Principal, by the means
// configured: a nil field refuses that kind of credential.
//
// A bearer credential, when present, decides alone: one that fails is
// refused even if a valid client certificate came with it, so a caller
// can never be taken for someone other than the credential it sent.
type Authenticator struct {
	// JWT verifies bearer JWTs.
	JWT *JWT
	// APIKeys verifies bearer API keys (they start "lck_").
	APIKeys *APIKeys
	// CertificateRoles, when set, accepts a verified client certificate
	// as identity and gives its subject roles (Policy.CertificateRoles).
	CertificateRoles func(subject string) []string
}

// maxAuthorization bounds the header before anything parses it: a real
// token is a few kilobytes at most.
const maxAuthorization = 8 << 10

// errMissing is the refusal of a call that presents no credential.
var errMissing = errors.New("missing credential: send authorization: Bearer <token or API key>, or a client certificate")

// Authenticate returns who presented c, or an error saying what was wrong
// with the credential, never which keys or ids exist.
func (a *Authenticator) Authenticate(c Credentials) (Principal, error) {
	if c.Authorization != "" {
		return a.bearer(c.Authorization)
	}
	if c.Certificate != nil && a.CertificateRoles != nil {
		subject := CertificateSubject(c.Certificate)
		if err := CheckSubject(subject); err != nil {
			return Principal{}, errors.New("client certificate subject (first URI SAN, else CN): " + err.Error())
		}
		return Principal{Subject: subject, Roles: a.CertificateRoles(subject), Via: ViaMTLS}, nil
	}
	return Principal{}, errMissing
}

// bearer authenticates an authorization header: "Bearer " and an API key
// or a JWT.
func (a *Authenticator) bearer(header string) (Principal, error) {
	if len(header) > maxAuthorization {
		return Principal{}, errors.New("malformed authorization header: too long")
	}
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" || strings.ContainsAny(cred, " \t") {
		return Principal{}, errors.New("malformed authorization header: want Bearer <token or API key>")
	}
	switch {
	case strings.HasPrefix(cred, keyPrefix):
		if a.APIKeys == nil {
			return Principal{}, errUnknownKey
		}
		return a.APIKeys.Verify(cred)
	case strings.Count(cred, ".") == 2:
		if a.JWT == nil {
			return Principal{}, errors.New("JWTs are not accepted here: this server has no JWT keys")
		}
		return a.JWT.Verify(cred)
	}
	return Principal{}, errors.New("malformed bearer credential: neither an API key nor a JWT")
}

// CertificateSubject is the identity of a client certificate: its first
// URI SAN (a SPIFFE id, say), else its subject's CN.
func CertificateSubject(cert *x509.Certificate) string {
	if len(cert.URIs) > 0 {
		return cert.URIs[0].String()
	}
	return cert.Subject.CommonName
}
