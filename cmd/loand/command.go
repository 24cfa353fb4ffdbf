package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// The commands loand knows. serve is the default, so that loand started
// with flags only serves, as it always has.
const (
	cmdServe   = "serve"
	cmdMigrate = "migrate"
	cmdVersion = "version"
	cmdHelp    = "help"
	cmdAPIKey  = "apikey"
	cmdRelay   = "relay"
)

// usageError is a command line loand cannot make sense of. It exits 2 with
// the usage on stderr, unlike a failure of a command that was understood
// (exit 1), so that a script can tell a typo from a broken database.
type usageError struct{ msg string }

// Error returns the one line printed before the usage.
func (e *usageError) Error() string { return e.msg }

// parseCommand splits a command line into the command and what follows
// it. A command line that starts with a flag, or is empty, serves.
func parseCommand(args []string) (string, []string, error) {
	if len(args) == 0 {
		return cmdServe, nil, nil
	}
	switch a := args[0]; a {
	case cmdServe, cmdMigrate, cmdAPIKey, cmdRelay:
		return a, args[1:], nil
	case cmdVersion, "-version", "--version":
		if len(args) > 1 {
			return "", nil, &usageError{fmt.Sprintf("%s takes no arguments, got %q", a, args[1])}
		}
		return cmdVersion, nil, nil
	case cmdHelp, "-h", "-help", "--help":
		rest := args[1:]
		if len(rest) == 1 && isCommand(rest[0]) {
			// "loand help migrate" asks for the usage too; every
			// command's is the one below.
			rest = nil
		}
		if len(rest) > 0 {
			return "", nil, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
		}
		return cmdHelp, nil, nil
	}
	if strings.HasPrefix(args[0], "-") {
		return cmdServe, args, nil
	}
	return "", nil, &usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// isCommand reports whether s names one of loand's commands.
func isCommand(s string) bool {
	switch s {
	case cmdServe, cmdMigrate, cmdVersion, cmdHelp, cmdAPIKey, cmdRelay:
		return true
	}
	return false
}

// usageHead is the part of the usage that is not generated from the flags.
const usageHead = `loand is the loancore server: the loancore.v1 gRPC services, with
reflection and health checks.

Usage:
  loand [serve] [flags]   serve until SIGTERM or Interrupt
  loand migrate [flags]   apply pending database migrations and exit
  loand migrate status [flags]
                          list the migrations, applied and pending, and exit
  loand migrate --dry-run [flags]
                          print the SQL of the pending migrations, apply nothing
  loand relay --nats URL [flags]
                          publish the event feed to NATS JetStream until SIGTERM or Interrupt
  loand version           print the version and exit
  loand help              print this help and exit
  loand apikey create --api-keys-file FILE --subject S --roles R1,R2 [--policy FILE]
                          add an API key to FILE; its last line of output is the key
  loand apikey revoke --api-keys-file FILE --id ID
                          revoke key ID (FILE is appended to, never rewritten)

Every flag can also be set by the environment variable named below it. A
flag on the command line wins over the variable, the variable over the
default; an empty variable counts as unset.

Exit status: 0 done, 1 failed, 2 the command line could not be parsed.

Flags of serve, migrate and relay:
`

// printUsage writes the usage: stdout when it was asked for, stderr after
// a command line loand could not parse. The flags' part comes from the
// flag set, so that it cannot fall behind a new flag.
func printUsage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	newFlagSet(&config{}).VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n    \t%s\n    \tenv %s", f.Name, kind, usage, envName(f.Name))
		if f.DefValue != "" {
			fmt.Fprintf(w, ", default %s", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// versionLine says which build this is, for an operator comparing a
// running loand with a release: the module version and the VCS revision
// and commit time the Go toolchain stamped in, each "devel" when unknown
// (a build outside a checkout, or a test binary).
func versionLine(info *debug.BuildInfo, ok bool) string {
	version, revision, at, modified, goVersion := "devel", "devel", "devel", "", "devel"
	if ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " modified=true"
				}
			}
		}
	}
	return fmt.Sprintf("loand version=%s revision=%s time=%s%s go=%s", version, revision, at, modified, goVersion)
}
