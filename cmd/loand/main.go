package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// main only hands run's exit code to the system, so that everything loand
// does on its command line can be run, and tested, without exiting.
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run is loand's command line, apart from main so that the tests can run
// it in a process of its own (TestMain) with the arguments and environment
// they choose, and check what it prints and its exit code.
func run(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	command, rest, err := parseCommand(args)
	if err == nil && command == cmdAPIKey {
		return runAPIKey(rest, stdout, stderr, lookupEnv)
	}
	var view string // migrate status or --dry-run
	if err == nil && command == cmdMigrate {
		view, rest, err = migrateView(rest)
	}
	var cfg config
	if err == nil && (command == cmdServe || command == cmdMigrate || command == cmdRelay) {
		cfg, err = parseConfig(rest, lookupEnv)
	}
	var usage *usageError
	switch {
	case errors.Is(err, flag.ErrHelp), err == nil && command == cmdHelp:
		printUsage(stdout)
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "loand:", err)
		printUsage(stderr)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "loand:", err)
		return 1
	case command == cmdVersion:
		fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
		return 0
	}
	if view != "" {
		return showMigrations(view, cfg, stdout, stderr)
	}
	if command == cmdRelay {
		err = startRelay(cfg, stderr)
	} else {
		err = start(command == cmdMigrate, cfg, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loand:", err)
		return 1
	}
	return 0
}
