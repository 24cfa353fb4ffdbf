package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// insecureWarning is the start of the line loand logs when it serves
// plaintext off loopback.
const insecureWarning = "INSECURE: serving plaintext gRPC off loopback (--insecure-plaintext): anyone who can reach this address can read and forge calls"

// TestPlaintextRule checks that loand without TLS refuses every
// interface's address unless --insecure-plaintext is given, before it
// opens the database; that with the flag it serves and warns; and that on
// loopback it serves plaintext without a word, as make run does.
func TestPlaintextRule(t *testing.T) {
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	everywhere := "0.0.0.0:" + port
	path := filepath.Join(t.TempDir(), "loancore.db")
	r := runLoand(t, []string{"LOANCORE_DATABASE=sqlite:" + path}, "serve", "--listen", everywhere)
	line, rest, _ := strings.Cut(r.stderr, "\n")
	if r.code != 1 || rest != "" || !strings.HasPrefix(line, "loand: --listen "+everywhere+" is not a loopback address") ||
		!strings.Contains(line, "--insecure-plaintext") || !strings.Contains(line, "--tls-cert and --tls-key") {
		t.Errorf("loand --listen %s: exit %d, stderr %q; want 1 and one line naming --listen, --tls-cert, --tls-key and --insecure-plaintext",
			everywhere, r.code, r.stderr)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused loand opened the database (%v)", err)
	}

	proc := startProcOn(t, "127.0.0.1:"+port, "--listen", everywhere, "--insecure-plaintext", "--shutdown-grace", "1s")
	proc.log.wait(t, 0, insecureWarning, "level", "WARN", "listen", everywhere)
	proc.log.wait(t, 0, "loand serving", "transport", "plaintext")
	if _, err := check(connect(t, proc.addr, nil)); err != nil {
		t.Errorf("loand with --insecure-plaintext: %v", err)
	}
	proc.stop(t)

	loopback := startProc(t, "--shutdown-grace", "1s")
	loopback.log.wait(t, 0, "loand serving", "transport", "plaintext")
	for _, l := range loopback.log.snapshot() {
		if l["msg"] == insecureWarning {
			t.Errorf("loand on loopback logged %q", insecureWarning)
		}
	}
	loopback.stop(t)
}
