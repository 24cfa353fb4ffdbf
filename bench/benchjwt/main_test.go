package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// TestMint: the token benchjwt prints verifies against the public key it
// wrote, as loand verifies it, with the claims asked for, for each
// algorithm; it expires after its TTL.
func TestMint(t *testing.T) {
	now := time.Now()
	for _, alg := range []string{"ES256", "RS256"} {
		path := filepath.Join(t.TempDir(), "jwt.pem")
		var out strings.Builder
		p := mintParams{KeyOut: path, Alg: alg, Issuer: "https://idp.test", Audience: "loancore", Subject: "bench",
			Roles: "servicer,viewer", TTL: time.Hour}
		if err := mint(p, now, &out); err != nil {
			t.Fatal(err)
		}
		pem, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		key, err := auth.ParsePublicKeyPEM(pem)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		clock := now
		v, err := auth.NewJWT(auth.JWTConfig{Issuer: "https://idp.test", Audience: "loancore", Now: func() time.Time { return clock }}, key)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimSuffix(out.String(), "\n")
		pr, err := v.Verify(tok)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if pr.Subject != "bench" || !slices.Equal(pr.Roles, []string{"servicer", "viewer"}) {
			t.Errorf("%s: principal %+v", alg, pr)
		}
		clock = now.Add(time.Hour + time.Second)
		if _, err := v.Verify(tok); err == nil {
			t.Errorf("%s: a token of an hour verified an hour later", alg)
		}
	}
	if err := mint(mintParams{KeyOut: filepath.Join(t.TempDir(), "k"), Alg: "HS256"}, now, &strings.Builder{}); err == nil {
		t.Error("-alg HS256 accepted")
	}
}
