package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestCLIMigrateStatusAndDryRun, on both stores: on a new database
// `migrate status` lists every migration pending and `migrate --dry-run`
// prints their SQL, and neither applies anything (status still shows
// them pending); after `migrate`, status lists them all applied and the
// dry run prints none. Both exit 0 either way.
func TestCLIMigrateStatusAndDryRun(t *testing.T) {
	for _, c := range []struct {
		store, database string
		migrations      int
		last            string
	}{
		{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "loancore.db"), 21, "0022_position_prunes.sql"},
		{"postgres", pgtest.UnmigratedURL(t), 30, "0030_position_prunes.sql"},
	} {
		t.Run(c.store, func(t *testing.T) {
			status := func(when string, wantApplied int) {
				t.Helper()
				r := runLoand(t, nil, "migrate", "status", "--database", c.database)
				rows := regexp.MustCompile(`(?m)^(\d+)\s+(\S+\.sql)\s+(applied|pending)`).FindAllStringSubmatch(r.stdout, -1)
				applied := strings.Count(r.stdout, " applied ")
				if r.code != 0 || len(rows) != c.migrations || rows[0][2] != "0001_loans.sql" || rows[len(rows)-1][2] != c.last ||
					applied != wantApplied || !strings.Contains(r.stdout, "pending\n") {
					t.Fatalf("%s: migrate status: exit %d, %d rows, %d applied; want 0, %d rows, %d applied\n%s%s",
						when, r.code, len(rows), applied, c.migrations, wantApplied, r.stdout, r.stderr)
				}
			}
			dryRun := func(when string, wantPending int) string {
				t.Helper()
				r := runLoand(t, nil, "migrate", "--dry-run", "--database", c.database)
				n := strings.Count(r.stdout, "\n-- migration ")
				if r.code != 0 || n != wantPending {
					t.Fatalf("%s: migrate --dry-run: exit %d, %d migrations printed; want 0, %d\n%s%s", when, r.code, n, wantPending, r.stdout, r.stderr)
				}
				return r.stdout
			}
			status("new", 0)
			if sql := dryRun("new", c.migrations); !strings.Contains(sql, "-- migration 1: 0001_loans.sql\n") || !strings.Contains(sql, "CREATE TABLE loans") {
				t.Errorf("the dry run does not print 0001_loans.sql's SQL:\n%s", sql)
			}
			status("after the dry run", 0)
			if r := runLoand(t, nil, "migrate", "--database", c.database); r.code != 0 {
				t.Fatalf("migrate: exit %d: %s", r.code, r.stderr)
			}
			status("migrated", c.migrations)
			dryRun("migrated", 0)
		})
	}
	if r := runLoand(t, nil, "migrate", "status", "--dry-run"); r.code != 2 {
		t.Errorf("migrate status --dry-run: exit %d, want 2 (choose one)", r.code)
	}
}
