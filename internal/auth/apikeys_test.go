package auth_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// loadKeys loads the keys file at path into a fresh APIKeys.
func loadKeys(t testing.TB, path string) *auth.APIKeys {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k auth.APIKeys
	if err := k.Load(data); err != nil {
		t.Fatal(err)
	}
	return &k
}

// TestAPIKeyLifecycle: a created key verifies as its subject and roles;
// once revoked, it is refused as a key never made is, and as a wrong
// secret under a real id is; the file keeps every record, in order.
func TestAPIKeyLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	id, key, err := auth.CreateAPIKey(path, "svc-payments", []string{"servicer", "viewer"}, now)
	if err != nil {
		t.Fatal(err)
	}
	otherID, other, err := auth.CreateAPIKey(path, "ops-anna", []string{"operator"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "lck_"+id+"_") || id == otherID || key == other {
		t.Fatalf("keys %q (%s), %q (%s)", key, id, other, otherID)
	}
	p, err := loadKeys(t, path).Verify(key)
	if err != nil || p.Subject != "svc-payments" || !slices.Equal(p.Roles, []string{"servicer", "viewer"}) || p.Via != auth.ViaAPIKey {
		t.Fatalf("Verify: %+v, %v", p, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	if err := auth.RevokeAPIKey(path, id, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	keys := loadKeys(t, path)
	wrongSecret := key[:len(key)-4] + "AAAA"
	neverMade := "lck_0123456789abcdef_" + key[len(key)-43:]
	var msgs []string
	for _, k := range []string{key, wrongSecret, neverMade} {
		_, err := keys.Verify(k)
		if err == nil {
			t.Fatalf("%q verified", k)
		}
		msgs = append(msgs, err.Error())
	}
	if msgs[0] != "unknown or revoked API key" || msgs[1] != msgs[0] || msgs[2] != msgs[0] {
		t.Errorf("revoked, wrong secret, never made: %q; want one message for all three", msgs)
	}
	if _, err := keys.Verify(other); err != nil {
		t.Errorf("revoking one key revoked another: %v", err)
	}
	if err := auth.RevokeAPIKey(path, id, now); err == nil {
		t.Error("a key revoked twice")
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"kind":"key"`) || !strings.Contains(lines[2], `"kind":"revoke","id":"`+id+`"`) {
		t.Errorf("keys file:\n%s", data)
	}
}

// TestAPIKeyFileNeverHoldsAKey: no key, nor its secret part, is anywhere in
// the file.
func TestAPIKeyFileNeverHoldsAKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	var keys []string
	for range 5 {
		_, key, err := auth.CreateAPIKey(path, "svc", []string{"viewer"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	data, _ := os.ReadFile(path)
	for _, k := range keys {
		secret := k[len(k)-43:]
		if strings.Contains(string(data), k) || strings.Contains(string(data), secret) || strings.Contains(string(data), secret[:16]) {
			t.Errorf("the keys file holds (part of) key %s", k)
		}
	}
}

// TestAPIKeyReload: the keys file is re-read when it changes: a key made
// after start works, a revocation takes effect, and a file broken by hand
// keeps the keys in force.
func TestAPIKeyReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	_, first, err := auth.CreateAPIKey(path, "svc-a", []string{"viewer"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var keys auth.APIKeys
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := auth.LoadAndWatch(ctx, path, 10*time.Millisecond, keys.Load, func(err error) { errs <- err }); err != nil {
		t.Fatal(err)
	}
	secondID, second, err := auth.CreateAPIKey(path, "svc-b", []string{"viewer"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a key made after start works", func() bool { _, err := keys.Verify(second); return err == nil })
	if err := auth.RevokeAPIKey(path, secondID, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a revoked key stops working", func() bool { _, err := keys.Verify(second); return err != nil })
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("{\"kind\": \"key\", \"id\": \"oops\"}\n")
	_ = f.Close()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "line 4") {
			t.Errorf("reload error %q does not name the line", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a broken keys file was not reported")
	}
	if _, err := keys.Verify(first); err != nil {
		t.Errorf("a broken reload dropped the keys in force: %v", err)
	}
	if _, err := keys.Verify(second); err == nil {
		t.Error("a broken reload brought a revoked key back")
	}
}

// TestAPIKeyFileRefused: a malformed file is refused whole, naming the
// line; so is a create or revoke on such a file.
func TestAPIKeyFileRefused(t *testing.T) {
	good := `{"kind":"key","id":"0123456789abcdef","salt":"AAAAAAAAAAAAAAAAAAAAAA","sha256":"` + strings.Repeat("ab", 32) + `","subject":"s","roles":["viewer"]}`
	for _, tc := range []struct{ name, file, want string }{
		{"not JSON", "key\n", "line 1"},
		{"unknown field", strings.Replace(good, `"roles"`, `"key":"x","roles"`, 1), "unknown field"},
		{"bad id", strings.Replace(good, "0123456789abcdef", "XYZ", 1), "16 hex digits"},
		{"short salt", strings.Replace(good, "AAAAAAAAAAAAAAAAAAAAAA", "AAAA", 1), "salt"},
		{"bad hash", strings.Replace(good, strings.Repeat("ab", 32), "abc", 1), "sha256"},
		{"no subject", strings.Replace(good, `"subject":"s",`, "", 1), "subject: empty"},
		{"made twice", good + "\n" + good, "line 2: key 0123456789abcdef made twice"},
		{"revokes nothing", `{"kind":"revoke","id":"0123456789abcdef"}`, "not a key in force"},
		{"unknown kind", strings.Replace(good, `"kind":"key"`, `"kind":"grant"`, 1), "want key or revoke"},
	} {
		var k auth.APIKeys
		if err := k.Load([]byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	if err := os.WriteFile(path, []byte("key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.CreateAPIKey(path, "svc", []string{"viewer"}, time.Now()); err == nil {
		t.Error("a key appended to a malformed file")
	}
	if _, _, err := auth.CreateAPIKey(filepath.Join(t.TempDir(), "k"), "svc", nil, time.Now()); err == nil {
		t.Error("a key with no role")
	}
	if _, _, err := auth.CreateAPIKey(filepath.Join(t.TempDir(), "k"), "bad\x00subject", []string{"viewer"}, time.Now()); err == nil {
		t.Error("a key whose subject has a NUL")
	}
}

// TestAPIKeyCompareIsConstantTime: a timing test would be flaky, so this
// reads the code instead: Verify compares digests with
// subtle.ConstantTimeCompare, and never with bytes.Equal or ==, and
// compares even for an id that is not in force.
func TestAPIKeyCompareIsConstantTime(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "apikeys.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var verify *ast.FuncDecl
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Verify" {
			verify = fn
		}
	}
	if verify == nil {
		t.Fatal("no Verify in apikeys.go")
	}
	constantTime, decoy := false, false
	ast.Inspect(verify, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				constantTime = constantTime || id.Name == "subtle" && n.Sel.Name == "ConstantTimeCompare"
				if id.Name == "bytes" && n.Sel.Name == "Equal" {
					t.Error("Verify compares with bytes.Equal")
				}
			}
		case *ast.Ident:
			decoy = decoy || n.Name == "decoy"
		}
		return true
	})
	if !constantTime || !decoy {
		t.Errorf("Verify: subtle.ConstantTimeCompare %v, a decoy for unknown ids %v; want both", constantTime, decoy)
	}
}
