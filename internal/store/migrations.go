package store

import (
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one schema migration of a store, as `loand migrate
// status` shows it and `loand migrate --dry-run` prints it. Migrations
// are not part of Store: they are run by loand before the store is used.
type Migration struct {
	// Version is the number the migration's file name starts with.
	Version int
	// Name is the file's name, such as 0012_event_feed.sql; empty for a
	// version the database lists that this binary does not have (a newer
	// loand migrated it).
	Name string
	// SQL is the file's statements, as they would be executed.
	SQL string
	// Applied tells whether schema_migrations lists it, and AppliedAt
	// when it was applied (zero when pending).
	Applied   bool
	AppliedAt time.Time
}

// ReadMigrations reads the migration files matching pattern in fsys (a
// store's embedded files), in version order, none applied yet. A file
// whose name does not start with its number is an error.
func ReadMigrations(fsys fs.FS, pattern string) ([]Migration, error) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, f := range files {
		name := f[strings.LastIndex(f, "/")+1:]
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, &migrationNameError{name}
		}
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// MarkApplied sets Applied and AppliedAt from what schema_migrations
// lists (version → applied at), and adds the versions it lists that
// ms lacks, unnamed, so that a database ahead of the binary shows.
func MarkApplied(ms []Migration, applied map[int]time.Time) []Migration {
	known := map[int]bool{}
	for i := range ms {
		known[ms[i].Version] = true
		if at, ok := applied[ms[i].Version]; ok {
			ms[i].Applied, ms[i].AppliedAt = true, at
		}
	}
	for v, at := range applied {
		if !known[v] {
			ms = append(ms, Migration{Version: v, Applied: true, AppliedAt: at})
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms
}

// migrationNameError is a migration file not named by its number.
type migrationNameError struct{ name string }

func (e *migrationNameError) Error() string {
	return "migration " + e.name + ": name must start with its number"
}
