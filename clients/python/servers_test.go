package python_test

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/loandtest"
	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// mtlsSubject is the common name of the suite's client certificate; the
// mutual-TLS server's policy gives it the viewer role.
const mtlsSubject = "py-client"

// startServers starts the suite's four loand processes (see the package
// comment) with their files in dir and returns the LOANCORE_TEST_*
// variables that tell the suite where they are and how to call them.
func startServers(t *testing.T, loand, dir string) map[string]string {
	t.Helper()
	ca := tlstest.NewCA(t, "loancore python client test CA")
	caFile := filepath.Join(dir, "ca.pem")
	tlstest.WriteFile(t, caFile, ca.PEM)
	server := ca.Server(t, "loand")
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	server.Write(t, certFile, keyFile)
	client := ca.Client(t, mtlsSubject, "")
	clientCert, clientKey := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	client.Write(t, clientCert, clientKey)
	tlsFlags := []string{"--tls-cert", certFile, "--tls-key", keyFile}
	clientTLS := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLS(t)}}

	keys := filepath.Join(dir, "api-keys.jsonl")
	env := map[string]string{
		"LOANCORE_TEST_CA_FILE":      caFile,
		"LOANCORE_TEST_CLIENT_CERT":  clientCert,
		"LOANCORE_TEST_CLIENT_KEY":   clientKey,
		"LOANCORE_TEST_TOKEN":        loandtest.APIKey(t, loand, keys, "py-servicer", "servicer,operator,subscriber"),
		"LOANCORE_TEST_VIEWER_TOKEN": loandtest.APIKey(t, loand, keys, "py-viewer", "viewer"),
	}
	start := func(name string, clientTLS *tls.Config, args ...string) string {
		return loandtest.Start(t, loandtest.Params{Loand: loand, Dir: filepath.Join(dir, name), Args: args, ClientTLS: clientTLS})
	}
	env["LOANCORE_TEST_ADDRESS"] = start("tls", clientTLS, append(tlsFlags, "--api-keys-file", keys)...)
	env["LOANCORE_TEST_MTLS_ADDRESS"] = start("mtls", clientTLS, append(tlsFlags, "--client-ca", caFile, "--policy", mtlsPolicy(t, dir))...)
	env["LOANCORE_TEST_PLAINTEXT_ADDRESS"] = start("plaintext", nil, "--api-keys-file", keys)
	env["LOANCORE_TEST_DEV_ADDRESS"] = start("dev", nil)
	return env
}

// mtlsPolicy writes the built-in policy with the suite's client
// certificate given the viewer role, and returns its path.
func mtlsPolicy(t *testing.T, dir string) string {
	t.Helper()
	policy, err := os.ReadFile(filepath.Join(root, "internal", "auth", "default_policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const none = "\ncertificates: {}\n"
	if !strings.Contains(string(policy), none) {
		t.Fatalf("the built-in policy no longer has %q to replace", none)
	}
	path := filepath.Join(dir, "policy.yaml")
	mine := strings.Replace(string(policy), none, "\ncertificates:\n  "+mtlsSubject+": [viewer]\n", 1)
	if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
