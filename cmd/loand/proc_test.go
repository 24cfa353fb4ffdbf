package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loandProc is a loand process a test started, serving with JSON logs,
// and its log as it comes.
type loandProc struct {
	cmd  *exec.Cmd
	addr string
	log  *logTail
	// exited is closed once the process has exited, with its error in
	// waitErr.
	exited  chan struct{}
	waitErr error
}

// startProc starts loand serving on a free loopback port with a new
// SQLite database, JSON logs and args, and waits for its "loand serving"
// line. It is killed when the test ends, if it is still running.
func startProc(t *testing.T, args ...string) *loandProc {
	t.Helper()
	addr := freeAddr(t)
	return startProcOn(t, addr, append([]string{"--listen", addr}, args...)...)
}

// startProcOn is startProc with the --listen flag (and addr, the address
// to dial) of the caller's choosing.
func startProcOn(t *testing.T, addr string, args ...string) *loandProc {
	t.Helper()
	return startProcEnv(t, addr, nil, args...)
}

// startProcEnv is startProcOn with env (KEY=value) added to loand's
// environment.
func startProcEnv(t *testing.T, addr string, env []string, args ...string) *loandProc {
	t.Helper()
	database := "sqlite:" + filepath.Join(t.TempDir(), "loancore.db")
	p := launch(t, env, append([]string{"serve", "--database", database, "--log-format", "json"}, args...)...)
	p.addr = addr
	p.log.wait(t, 0, "loand serving")
	return p
}

// launch starts loand with args, which should ask for JSON logs, and env
// (KEY=value) added to its environment, and tails its log. It is killed
// when the test ends, if it is still running.
func launch(t *testing.T, env []string, args ...string) *loandProc {
	t.Helper()
	cmd := loandCommand(env, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &loandProc{cmd: cmd, log: tailLog(stderr), exited: make(chan struct{})}
	go func() { <-p.log.done; p.waitErr = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited })
	return p
}

// stop sends SIGTERM and waits for loand to exit, failing the test
// unless it exits 0.
func (p *loandProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	if p.waitErr != nil {
		t.Errorf("loand exited with %v; want 0", p.waitErr)
	}
}

// logTail reads loand's JSON log lines as they are written.
type logTail struct {
	mu      sync.Mutex
	lines   []map[string]any
	changed chan struct{}
	// done is closed when the log ends: loand has exited.
	done chan struct{}
}

// tailLog reads r's lines into a logTail until r ends.
func tailLog(r io.Reader) *logTail {
	l := &logTail{changed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"msg": "not JSON", "line": sc.Text()}
			}
			l.mu.Lock()
			l.lines = append(l.lines, m)
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

// count is how many lines have been logged so far; wait looks after it.
func (l *logTail) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// snapshot is the lines logged so far.
func (l *logTail) snapshot() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines[:len(l.lines):len(l.lines)]
}

// wait returns the first line from line from on whose msg is msg and
// whose attributes include want's (compared as printed), failing the
// test if loand exits or 60 seconds pass first (an event loand logs
// within milliseconds; the bound only keeps a broken test from hanging).
func (l *logTail) wait(t *testing.T, from int, msg string, want ...string) map[string]any {
	t.Helper()
	timeout := time.After(60 * time.Second)
	ended := false
	for {
		l.mu.Lock()
		for _, line := range l.lines[min(from, len(l.lines)):] {
			if line["msg"] == msg && hasAttrs(line, want) {
				l.mu.Unlock()
				return line
			}
		}
		changed, lines := l.changed, l.lines
		l.mu.Unlock()
		if ended {
			t.Fatalf("loand exited without logging %q %q; its log: %v", msg, want, lines)
		}
		select {
		case <-changed:
		case <-l.done:
			ended = true // every line is in; look once more
		case <-timeout:
			t.Fatalf("loand did not log %q %q; its log: %v", msg, want, lines)
		}
	}
}

// hasAttrs reports whether line has each key and value of kv (key,
// value, key, value, …).
func hasAttrs(line map[string]any, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if fmt.Sprint(line[kv[i]]) != kv[i+1] {
			return false
		}
	}
	return true
}
