package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store/postgres"
)

// EnvURL names the variable that points tests at an existing server.
const EnvURL = "LOANCORE_TEST_DATABASE_URL"

var (
	once     sync.Once
	adminURL string
	template string
	setupErr error
	stop     func()
	counter  atomic.Int64
)

// Main runs the tests of a package and then stops the cluster it started,
// if any. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// URL returns the URL of a new, migrated, empty database for the test.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	return newDatabase(t, template)
}

// UnmigratedURL returns the URL of a new database for the test that no
// migration has touched: no schema_migrations, no tables, as a fresh
// production database is before its first loand.
func UnmigratedURL(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	return newDatabase(t, "template0")
}

// newDatabase creates a database from a template, dropped when the test
// ends, and returns its URL.
func newDatabase(t testing.TB, from string) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s_%d", template, counter.Add(1))
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	// CREATE DATABASE … TEMPLATE needs the template idle; retry briefly in
	// case another test's clone is still being made from it.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+from)
		if err == nil || attempt == 50 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(adminURL, name)
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}

func setup() {
	adminURL = os.Getenv(EnvURL)
	if adminURL == "" {
		adminURL, stop, setupErr = startCluster()
		if setupErr != nil {
			return
		}
	}
	template = fmt.Sprintf("loancore_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		setupErr = err
		return
	}
	defer conn.Close(ctx)
	// The template takes an ICU en-US collation where the server has ICU,
	// as production databases often do: tests then see a locale's
	// ordering of text, not the C.UTF-8 of a fresh test cluster.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+template+" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"); err != nil {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+template); err != nil {
			setupErr = err
			return
		}
	}
	s, err := postgres.Open(ctx, withDatabase(adminURL, template))
	if err != nil {
		setupErr = err
		return
	}
	_, setupErr = s.Migrate(ctx)
	s.Close()
	prev := stop
	stop = func() {
		if c, err := pgx.Connect(context.Background(), adminURL); err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)")
			c.Close(context.Background())
		}
		if prev != nil {
			prev()
		}
	}
}

// binDir finds the newest PostgreSQL installation's bin directory.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	if len(dirs) == 0 {
		return "", fmt.Errorf("no PostgreSQL under /usr/lib/postgresql and %s is not set", EnvURL)
	}
	return dirs[len(dirs)-1], nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startCluster initialises and starts a cluster in a temporary directory
// and returns its URL and a function that stops and removes it.
func startCluster() (string, func(), error) {
	bin, err := binDir()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "loancore-pg-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	// initdb refuses to run as root: run the server as postgres then.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			cleanup()
			return "", nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			cleanup()
			return "", nil, err
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		full := append(append([]string{}, asUser...), args...)
		cmd := exec.Command(full[0], full[1:]...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", filepath.Base(args[0]), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		cleanup()
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		cleanup()
		return "", nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if err := run(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		cleanup()
		return "", nil, err
	}
	stopFn := func() {
		_ = run(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		cleanup()
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stopFn, nil
}
