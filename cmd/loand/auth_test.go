package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	grpcurlOnce sync.Once
	grpcurlPath string
	grpcurlErr  error
)

// grpcurl builds the grpcurl pinned in tools/go.mod, once per test
// binary, and returns its path.
func grpcurl(t *testing.T) string {
	t.Helper()
	grpcurlOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loand-grpcurl-")
		if err != nil {
			grpcurlErr = err
			return
		}
		grpcurlPath = filepath.Join(dir, "grpcurl")
		cmd := exec.Command("go", "build", "-modfile=tools/go.mod", "-o", grpcurlPath, "github.com/fullstorydev/grpcurl/cmd/grpcurl")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			grpcurlErr = errors.New(string(out))
		}
	})
	if grpcurlErr != nil {
		t.Fatalf("building grpcurl: %v", grpcurlErr)
	}
	return grpcurlPath
}

// runGrpcurl runs grpcurl with args and returns its output and whether
// it succeeded.
func runGrpcurl(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command(grpcurl(t), args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), err == nil
}

// TestCLIAPIKeysWithGrpcurl: a real loand with an API keys file made by
// `loand apikey create`: grpcurl with the key succeeds (reflection too),
// without it is UNAUTHENTICATED, and after `loand apikey revoke` the key
// stops working without a restart.
func TestCLIAPIKeysWithGrpcurl(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "api-keys.jsonl")
	created := runLoand(t, nil, "apikey", "create", "--api-keys-file", keys, "--subject", "svc-payments", "--roles", "servicer,viewer")
	lines := strings.Split(strings.TrimSpace(created.stdout), "\n")
	key := lines[len(lines)-1]
	m := regexp.MustCompile(`^lck_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$`).FindStringSubmatch(key)
	if created.code != 0 || m == nil || created.stderr != "" {
		t.Fatalf("apikey create: exit %d, stdout %q, stderr %q; want 0 and the key as the last line", created.code, created.stdout, created.stderr)
	}
	addr := freeAddr(t)
	server := startLoand(t, addr, "sqlite:"+filepath.Join(t.TempDir(), "loancore.db"), "--api-keys-file", keys)
	withKey := []string{"-plaintext", "-H", "authorization: Bearer " + key}
	create := []string{"-d", `{"request_id": "c-1", "loan_id": "LN-K", "borrower_id": "B", "terms": {"currency": "CNY", "principal": "1000",
		"annual_rate_percent": "12", "installment_count": 3, "method": "REPAYMENT_METHOD_EQUAL_INSTALLMENT", "disbursement_date": "2026-01-05"}}`,
		addr, "loancore.v1.LoanService/CreateLoan"}
	if out, ok := runGrpcurl(t, append(withKey, create...)...); !ok || !strings.Contains(out, `"loanId": "LN-K"`) {
		t.Fatalf("CreateLoan with the key: %s", out)
	}
	if out, ok := runGrpcurl(t, append(withKey, addr, "list")...); !ok || !strings.Contains(out, "loancore.v1.LoanService") {
		t.Errorf("grpcurl list with the key: %s", out)
	}
	for _, args := range [][]string{append([]string{"-plaintext"}, create...), {"-plaintext", addr, "list"}} {
		if out, ok := runGrpcurl(t, args...); ok || !strings.Contains(out, "code = Unauthenticated") || !strings.Contains(out, "missing credential") {
			t.Errorf("grpcurl %s without the key: %s", args[len(args)-1], out)
		}
	}
	revoked := runLoand(t, nil, "apikey", "revoke", "--api-keys-file", keys, "--id", m[1])
	if revoked.code != 0 || !strings.HasPrefix(revoked.stdout, "revoked API key "+m[1]) {
		t.Fatalf("apikey revoke: exit %d, %q %q", revoked.code, revoked.stdout, revoked.stderr)
	}
	get := append(withKey, "-d", `{"loan_id": "LN-K"}`, addr, "loancore.v1.LoanService/GetLoan")
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, ok := runGrpcurl(t, get...)
		if !ok && strings.Contains(out, "code = Unauthenticated") && strings.Contains(out, "unknown or revoked API key") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked key still works 10 s later: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(server.Stderr.(*os.File).Name())
	if !strings.Contains(string(log), "auth=apikey") || strings.Contains(string(log), "DEV MODE") {
		t.Errorf("loand's log does not say it authenticates API keys, or says dev mode:\n%s", log)
	}
}

// TestCLIDevMode: with no authentication, loand on loopback serves every
// caller as dev and warns at start; on any other address it refuses to
// start, naming the flags, before it opens the database.
func TestCLIDevMode(t *testing.T) {
	addr := freeAddr(t)
	server := startLoand(t, addr, "sqlite:"+filepath.Join(t.TempDir(), "loancore.db"), "--log-format", "json")
	if out, ok := runGrpcurl(t, "-plaintext", addr, "list"); !ok || !strings.Contains(out, "loancore.v1.LoanService") {
		t.Errorf("grpcurl list in dev mode: %s", out)
	}
	log, _ := os.ReadFile(server.Stderr.(*os.File).Name())
	var warned, serving bool
	for _, l := range logLines(t, string(log)) {
		warned = warned || l["msg"] == devModeWarning && l["level"] == "WARN"
		serving = serving || l["msg"] == "loand serving" && l["auth"] == "dev"
	}
	if !warned || !serving {
		t.Errorf("dev mode: warned %v, \"loand serving\" with auth=dev %v:\n%s", warned, serving, log)
	}
	path := filepath.Join(t.TempDir(), "loancore.db")
	// --insecure-plaintext passes the transport's rule, so that what
	// refuses is the want of authentication.
	r := runLoand(t, []string{"LOANCORE_DATABASE=sqlite:" + path}, "--listen", "0.0.0.0:0", "--insecure-plaintext")
	want := "loand: --listen 0.0.0.0:0 is not a loopback address and no authentication is configured: " +
		"set --jwks-file or --jwt-public-key (with --jwt-issuer and --jwt-audience), --api-keys-file, or --client-ca\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("no authentication on 0.0.0.0: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loand opened the database before refusing to serve unauthenticated (%v)", err)
	}
}

// TestCLIAuthFailures: a bad authentication setting or file stops serve
// with exit 1 and a line naming the flag, before the database is opened;
// apikey refuses what it cannot do.
func TestCLIAuthFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badKeys := write("keys.jsonl", "{\"kind\":\"key\"}\n")
	badPolicy := write("policy.yaml", "roles: {viewer: [loancore.v1.LoanService/GetLoans]}\n")
	jwks := write("jwks.json", `{"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--api-keys-file", badKeys}, "loand: --api-keys-file: " + badKeys + ": API keys file, line 1: "},
		{[]string{"--api-keys-file", filepath.Join(dir, "none.jsonl")}, "loand: --api-keys-file: open "},
		{[]string{"--policy", badPolicy}, `loand: --policy ` + badPolicy + `: policy: role viewer: unknown RPC "loancore.v1.LoanService/GetLoans"`},
		{[]string{"--jwks-file", jwks}, "loand: --jwt-issuer and --jwt-audience are both required with --jwks-file or --jwt-public-key"},
		{[]string{"--jwks-file", jwks, "--jwt-issuer", "i", "--jwt-audience", "a"}, "loand: --jwks-file: " + jwks + ": JWKS: key 0"},
		{[]string{"--jwt-issuer", "i"}, "loand: --jwt-issuer and --jwt-audience need JWT keys"},
		{[]string{"--jwks-file", jwks, "--jwt-public-key", jwks}, "loand: --jwks-file and --jwt-public-key: set one, not both"},
		{[]string{"--jwks-file", jwks, "--jwt-issuer", "i", "--jwt-audience", "a", "--jwt-cache", "-1"}, "loand: --jwt-cache: want 0 or more, got -1"},
	} {
		path := filepath.Join(t.TempDir(), "loancore.db")
		r := runLoand(t, []string{"LOANCORE_DATABASE=sqlite:" + path}, append([]string{"--listen", "127.0.0.1:0"}, tc.args...)...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("loand %s: exit %d, stderr %q; want 1 and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("loand %s opened the database before refusing", strings.Join(tc.args, " "))
		}
	}
	keys := filepath.Join(dir, "k.jsonl")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"apikey", "create", "--api-keys-file", keys, "--subject", "s", "--roles", "servicer,superuser"}, 1, `loand: --roles: "superuser" is not a role of the policy`},
		{[]string{"apikey", "create", "--api-keys-file", keys, "--roles", "servicer"}, 2, "loand: apikey create: --subject required"},
		{[]string{"apikey", "revoke", "--api-keys-file", keys, "--id", "0123456789abcdef"}, 1, `no key in force has id "0123456789abcdef"`},
		{[]string{"apikey", "rotate"}, 2, "loand: apikey: want create or revoke"},
	} {
		r := runLoand(t, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("loand %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(keys); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused apikey create wrote the keys file")
	}
}

// TestCLIJWTAndAuditLog: a real loand taking JWTs from a JWKS file, with
// the roles under a claim of another name, and its audit lines in a file
// of their own: a viewer's token may quote a schedule but not book a
// loan, and both calls are in the audit file, not in the log.
func TestCLIJWTAndAuditLog(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdh, _ := key.PublicKey.ECDH()
	raw, b64 := ecdh.Bytes(), base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "EC", "kid": "k1", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}}})
	if err := os.WriteFile(filepath.Join(dir, "jwks.json"), jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	addr, audit := freeAddr(t), filepath.Join(dir, "audit.jsonl")
	server := startLoand(t, addr, "sqlite:"+filepath.Join(dir, "loancore.db"), "--jwks-file", filepath.Join(dir, "jwks.json"),
		"--jwt-issuer", "https://sso.test", "--jwt-audience", "loancore", "--jwt-roles-claim", "groups", "--audit-log", audit)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": "https://sso.test", "aud": "loancore", "sub": "anna",
		"groups": "viewer", "exp": time.Now().Add(time.Minute).Unix()})
	tok.Header["kid"] = "k1"
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	withToken := []string{"-plaintext", "-H", "authorization: Bearer " + signed}
	quote := append(withToken, "-d", `{"terms": {"currency": "CNY", "principal": "1200", "annual_rate_percent": "12", "installment_count": 2,
		"method": "REPAYMENT_METHOD_EQUAL_INSTALLMENT", "disbursement_date": "2026-01-05"}}`, addr, "loancore.v1.ScheduleService/QuoteSchedule")
	if out, ok := runGrpcurl(t, quote...); !ok || !strings.Contains(out, `"installmentAmount"`) {
		t.Errorf("a viewer's QuoteSchedule: %s", out)
	}
	book := append(withToken, "-d", `{"request_id": "c", "loan_id": "L"}`, addr, "loancore.v1.LoanService/CreateLoan")
	if out, ok := runGrpcurl(t, book...); ok || !strings.Contains(out, "Code: PermissionDenied") ||
		!strings.Contains(out, "loancore.v1.LoanService/CreateLoan is allowed to roles admin, servicer; the caller has roles viewer") {
		t.Errorf("a viewer's CreateLoan: %s", out)
	}
	lines, _ := os.ReadFile(audit)
	for _, want := range []string{`"subject":"anna","roles":["viewer"],"via":"jwt","method":"/loancore.v1.ScheduleService/QuoteSchedule"`,
		`"method":"/loancore.v1.LoanService/CreateLoan","loan_id":"L","request_id":"c","code":"PermissionDenied"`} {
		if !strings.Contains(string(lines), want) {
			t.Errorf("the audit file has no %s:\n%s", want, lines)
		}
	}
	if log, _ := os.ReadFile(server.Stderr.(*os.File).Name()); strings.Contains(string(log), "msg=audit") || !strings.Contains(string(log), "auth=jwt") {
		t.Errorf("loand's log has audit lines, or does not say it takes JWTs:\n%s", log)
	}
}
