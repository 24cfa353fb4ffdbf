package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// The read-only views of loand migrate: what is applied and pending, or
// the SQL that would run. Neither changes the database.
const (
	migrateStatus = "status"
	migrateDryRun = "dry-run"
)

// migrateView takes the view out of migrate's arguments: "status" as the
// first argument, or --dry-run (-dry-run) among the flags. --dry-run is
// not one of the shared flags: it means nothing to serve, and an
// environment variable that turned every migrate into a dry run would be
// a trap. It returns "" for a plain migrate.
func migrateView(args []string) (string, []string, error) {
	view := ""
	if len(args) > 0 && args[0] == migrateStatus {
		view, args = migrateStatus, args[1:]
	}
	var rest []string
	for _, a := range args {
		if a != "--dry-run" && a != "-dry-run" {
			rest = append(rest, a)
			continue
		}
		if view == migrateStatus {
			return "", nil, &usageError{"migrate status and --dry-run: choose one"}
		}
		view = migrateDryRun
	}
	return view, rest, nil
}

// showMigrations prints the view of the database's migrations to stdout
// and returns loand's exit code: 0 whether or not some are pending (a
// script tells them apart by reading the output), 1 if the database
// cannot be read.
func showMigrations(view string, cfg config, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, closeStore, err := connectStore(ctx, cfg.database, nil)
	if err == nil {
		defer closeStore()
		var ms []store.Migration
		if ms, err = s.Migrations(ctx); err == nil {
			if view == migrateStatus {
				err = printMigrationStatus(stdout, redact(cfg.database), ms)
			} else {
				err = printPendingSQL(stdout, redact(cfg.database), ms)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "loand:", err)
		return 1
	}
	return 0
}

// printMigrationStatus writes one line per migration (version, file,
// applied or pending, when applied) and a count of the pending ones.
func printMigrationStatus(w io.Writer, database string, ms []store.Migration) error {
	fmt.Fprintf(w, "database %s\n", database)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATUS\tAPPLIED AT")
	pending := 0
	for _, m := range ms {
		name, st, at := m.Name, "pending", ""
		if name == "" {
			name = "(not in this loand: a newer one applied it)"
		}
		if m.Applied {
			st = "applied"
			if !m.AppliedAt.IsZero() {
				at = m.AppliedAt.UTC().Format(time.RFC3339)
			}
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Version, name, st, at)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d applied, %d pending\n", len(ms)-pending, pending)
	return err
}

// printPendingSQL writes the SQL of each pending migration, in the order
// loand migrate would run them, as SQL comments and statements.
func printPendingSQL(w io.Writer, database string, ms []store.Migration) error {
	fmt.Fprintf(w, "-- loand migrate --dry-run: the pending migrations of %s, not applied.\n", database)
	fmt.Fprintln(w, "-- loand runs each in a transaction of its own and records its version in schema_migrations.")
	pending := 0
	for _, m := range ms {
		if m.Applied {
			continue
		}
		pending++
		fmt.Fprintf(w, "\n-- migration %d: %s\n%s", m.Version, m.Name, m.SQL)
		if !strings.HasSuffix(m.SQL, "\n") {
			fmt.Fprintln(w)
		}
	}
	_, err := fmt.Fprintf(w, "\n-- %d pending\n", pending)
	return err
}
