package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// apiKeyFlags are the flags of loand apikey create and revoke.
type apiKeyFlags struct {
	file, policy, subject, roles, id string
}

// runAPIKey runs "loand apikey create|revoke" with its arguments and
// returns loand's exit code: it appends to the keys file, never rewrites
// it. create prints the new key alone as the last line of its output.
// --api-keys-file and --policy may come from LOANCORE_API_KEYS_FILE and
// LOANCORE_POLICY, as for serve.
func runAPIKey(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	sub, f, err := parseAPIKey(args, lookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "loand:", err)
		printUsage(stderr)
		return 2
	}
	now := time.Now()
	if sub == "revoke" {
		err = auth.RevokeAPIKey(f.file, f.id, now)
		if err == nil {
			fmt.Fprintf(stdout, "revoked API key %s in %s; serving loand processes stop taking it within %s\n", f.id, f.file, auth.ReloadEvery)
		}
	} else {
		err = createAPIKey(f, now, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loand:", err)
		return 1
	}
	return 0
}

// createAPIKey makes a key for roles the policy defines, so a misspelt
// role cannot make a key that may do nothing, and prints it last.
func createAPIKey(f apiKeyFlags, now time.Time, stdout io.Writer) error {
	policy, err := loadPolicy(f.policy)
	if err != nil {
		return err
	}
	roles := strings.Split(f.roles, ",")
	for _, r := range roles {
		if !slices.Contains(policy.Roles(), r) {
			return fmt.Errorf("--roles: %q is not a role of the policy (%s)", r, strings.Join(policy.Roles(), ", "))
		}
	}
	id, key, err := auth.CreateAPIKey(f.file, f.subject, roles, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created API key %s for %s (roles %s) in %s; it is shown once, below, and kept nowhere\n", id, f.subject, f.roles, f.file)
	fmt.Fprintln(stdout, key)
	return nil
}

// parseAPIKey reads "create|revoke" and its flags; a usage error for
// anything missing or unknown.
func parseAPIKey(args []string, lookupEnv func(string) (string, bool)) (string, apiKeyFlags, error) {
	var f apiKeyFlags
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return "", f, &usageError{"apikey: want create or revoke"}
	}
	sub := args[0]
	fs := flag.NewFlagSet("loand apikey "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.file, "api-keys-file", "", "the keys file")
	if sub == "create" {
		fs.StringVar(&f.policy, "policy", "", "the policy the roles must be in")
		fs.StringVar(&f.subject, "subject", "", "who the key authenticates")
		fs.StringVar(&f.roles, "roles", "", "comma-separated roles")
	} else {
		fs.StringVar(&f.id, "id", "", "the id of the key to revoke")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return "", f, &usageError{"apikey " + sub + ": " + err.Error()}
	}
	if fs.NArg() > 0 {
		return "", f, &usageError{fmt.Sprintf("apikey %s: unexpected argument %q", sub, fs.Arg(0))}
	}
	for _, name := range []string{"api-keys-file", "policy"} {
		if fl := fs.Lookup(name); fl != nil && fl.Value.String() == "" {
			if v, ok := lookupEnv(envName(name)); ok && v != "" {
				_ = fl.Value.Set(v)
			}
		}
	}
	var missing []string
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Value.String() == "" && fl.Name != "policy" {
			missing = append(missing, "--"+fl.Name)
		}
	})
	if len(missing) > 0 {
		return "", f, &usageError{fmt.Sprintf("apikey %s: %s required", sub, strings.Join(missing, ", "))}
	}
	return sub, f, nil
}
