package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	var p mintParams
	flag.StringVar(&p.KeyOut, "public-key-out", "", "write the public key here, as a PEM PUBLIC KEY (loand's --jwt-public-key)")
	flag.StringVar(&p.Alg, "alg", "ES256", "the signing algorithm: ES256 (EC P-256) or RS256 (RSA 2048)")
	flag.StringVar(&p.Issuer, "issuer", "https://idp.bench.test", "the token's iss (loand's --jwt-issuer)")
	flag.StringVar(&p.Audience, "audience", "loancore", "the token's aud (loand's --jwt-audience)")
	flag.StringVar(&p.Subject, "subject", "bench-payments", "the token's sub, the actor of what it writes")
	flag.StringVar(&p.Roles, "roles", "servicer", "the token's roles claim, comma-separated")
	flag.DurationVar(&p.TTL, "ttl", 24*time.Hour, "how long the token is valid from now")
	flag.Parse()
	if err := mint(p, time.Now(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchjwt:", err)
		os.Exit(1)
	}
}

// mintParams are what mint makes: the flags.
type mintParams struct {
	KeyOut, Alg, Issuer, Audience, Subject, Roles string
	TTL                                           time.Duration
}

// mint makes a key pair of p.Alg, writes its public key to p.KeyOut and
// writes to out one line: a token signed by it, issued at now and valid
// for p.TTL, with p's claims.
func mint(p mintParams, now time.Time, out io.Writer) error {
	if p.KeyOut == "" {
		return errors.New("-public-key-out is required")
	}
	key, method, err := newKey(p.Alg)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.KeyOut, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return err
	}
	tok, err := jwt.NewWithClaims(method, jwt.MapClaims{"iss": p.Issuer, "aud": p.Audience, "sub": p.Subject,
		"roles": strings.Split(p.Roles, ","), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(p.TTL).Unix()}).SignedString(key)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

// newKey makes a private key for alg and returns it with its method.
func newKey(alg string) (crypto.Signer, jwt.SigningMethod, error) {
	switch alg {
	case "ES256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return k, jwt.SigningMethodES256, err
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		return k, jwt.SigningMethodRS256, err
	}
	return nil, nil, fmt.Errorf("-alg %q: want ES256 or RS256", alg)
}
