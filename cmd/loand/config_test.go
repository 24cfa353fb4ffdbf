package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/engine"
)

// env is an environment for parseConfig, in place of the process's.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// joinInts writes day lists as the flags take them.
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// flagRow is one flag's case: its default, a value for its environment
// variable and a different one for the command line, and what the server
// reads of it (the derived value where validation derives one), printed as
// the flag takes it.
type flagRow struct {
	flag          string
	def, env, arg string
	get           func(config) string
}

// flagRows has a row for every flag; TestConfigEveryFlag fails for a flag
// without one.
var flagRows = []flagRow{
	{"listen", "127.0.0.1:50051", "127.0.0.1:7001", "127.0.0.1:7002", func(c config) string { return c.listen }},
	{"database", "sqlite:./data/loancore.db", "sqlite:/tmp/env.db", "postgres://u@h/db", func(c config) string { return c.database }},
	{"timezone", "Asia/Shanghai", "Europe/London", "UTC", func(c config) string { return c.location.String() }},
	{"log-format", "text", "json", "text", func(c config) string { return c.logFormat }},
	{"log-level", "info", "debug", "warn", func(c config) string { return strings.ToLower(c.level.String()) }},
	{"pprof", "", "127.0.0.1:6060", "127.0.0.1:6061", func(c config) string { return c.pprof }},
	{"shutdown-grace", "10s", "30s", "45s", func(c config) string { return c.shutdownGrace.String() }},
	{"metrics-listen", "", "127.0.0.1:9464", "0.0.0.0:9465", func(c config) string { return c.metricsListen }},
	{"health-interval", "5s", "1s", "30s", func(c config) string { return c.healthInterval.String() }},
	{"feed-min-interval", "10ms", "0s", "20ms", func(c config) string { return c.feedMinInterval.String() }},
	{"delinquency-buckets", "30,60,90,120,150,180", "10,20,30,40,50,60", "31,61,91,121,151,181",
		func(c config) string { return joinInts(c.delinquency.BucketMaxDays[:]) }},
	{"risk-classes", "1,91,271,361", "1,31,61,91", "2,92,272,362", func(c config) string { return joinInts(c.delinquency.RiskFromDays[:]) }},
	{"reminder-days", "3", "5", "7", func(c config) string { return strconv.Itoa(c.reminderDays) }},
	{"freeze-lines-days", "1", "30", "0", func(c config) string { return strconv.Itoa(c.freezeLinesDays) }},
	{"prenotice-days", "1", "2", "4", func(c config) string { return strconv.Itoa(c.prenoticeDays) }},
	{"cob-carry-workers", "2", "4", "1", func(c config) string { return strconv.Itoa(c.cobCarryWorkers) }},
	{"cob-keep-position-dates", "0", "90", "400", func(c config) string { return strconv.Itoa(c.cobKeepPositionDates) }},
	{"max-agreements", "3", "5", "1", func(c config) string { return strconv.Itoa(c.restructuring.MaxAgreementsPerLoan) }},
	{"min-on-time-between-deferrals", "3", "5", "6", func(c config) string { return strconv.Itoa(c.restructuring.MinOnTimeBetweenDeferrals) }},
	{"max-extension-months", "36", "12", "24", func(c config) string { return strconv.Itoa(c.restructuring.MaxExtensionMonths) }},
	{"max-freeze-installments", "60", "36", "48", func(c config) string { return strconv.Itoa(c.restructuring.MaxFreezeInstallments) }},
	{"observation-months", "12", "6", "18", func(c config) string { return strconv.Itoa(c.restructuring.ObservationMonths) }},
	{"restructured-risk-floor", "SUBSTANDARD", "DOUBTFUL", "SPECIAL_MENTION", func(c config) string { return c.restructuring.RiskFloor.String() }},
	{"apr-cap-percent", "24", "36", "18.5", func(c config) string { return c.restructuring.APRCapPercent.String() }},
	{"max-apr-percent", "", "24", "36", func(c config) string {
		if c.aprPolicy.Maximum.IsZero() {
			return ""
		}
		return c.aprPolicy.Maximum.String()
	}},
	{"above-max-apr", "flag", "refuse", "flag", func(c config) string { return map[bool]string{false: "flag", true: "refuse"}[c.aprPolicy.Refuse] }},
	{"cached-loans", "10000", "0", "500", func(c config) string { return strconv.Itoa(c.cachedLoans) }},
	{"snapshot-every", "8", "0", "16", func(c config) string { return strconv.Itoa(c.snapshotEvery) }},
	{"gc-percent", "400", "100", "200", func(c config) string { return strconv.Itoa(c.gcPercent) }},
	{"business-calendar-start", "", "2026-01-01", "2025-12-31", func(c config) string {
		if c.calendarStart == engine.NoDate {
			return ""
		}
		return c.calendarStart.String()
	}},
	{"tls-cert", "", "/etc/env/cert.pem", "/etc/arg/cert.pem", func(c config) string { return c.transport.tlsCert }},
	{"tls-key", "", "/etc/env/key.pem", "/etc/arg/key.pem", func(c config) string { return c.transport.tlsKey }},
	{"client-ca", "", "/etc/env/ca.pem", "/etc/arg/ca.pem", func(c config) string { return c.transport.clientCA }},
	{"insecure-plaintext", "false", "true", "false", func(c config) string { return strconv.FormatBool(c.transport.insecurePlaintext) }},
	{"max-recv-msg-size", "4194304", "1048576", "8388608", func(c config) string { return strconv.Itoa(c.transport.limits.MaxRecvMsgSize) }},
	{"max-send-msg-size", "16777216", "8388608", "33554432", func(c config) string { return strconv.Itoa(c.transport.limits.MaxSendMsgSize) }},
	{"max-concurrent-streams", "256", "128", "1000", func(c config) string { return fmt.Sprint(c.transport.limits.MaxConcurrentStreams) }},
	{"keepalive-min-time", "30s", "10s", "2m0s", func(c config) string { return c.transport.limits.KeepaliveMinTime.String() }},
	{"keepalive-time", "1m0s", "30s", "2h0m0s", func(c config) string { return c.transport.limits.KeepaliveTime.String() }},
	{"keepalive-timeout", "20s", "5s", "1m0s", func(c config) string { return c.transport.limits.KeepaliveTimeout.String() }},
	{"max-connection-idle", "5m0s", "1m0s", "15m0s", func(c config) string { return c.transport.limits.MaxConnectionIdle.String() }},
	{"default-deadline", "30s", "10s", "1m30s", func(c config) string { return c.transport.limits.DefaultDeadline.String() }},
	{"jwks-file", "", "/etc/loancore/jwks.json", "/run/jwks.json", func(c config) string { return c.auth.jwksFile }},
	{"jwt-public-key", "", "/etc/loancore/idp.pem", "/run/idp.pem", func(c config) string { return c.auth.jwtPublicKey }},
	{"jwt-issuer", "", "https://idp.bank.test", "https://sso.bank.test", func(c config) string { return c.auth.jwtIssuer }},
	{"jwt-audience", "", "loancore", "loancore-prod", func(c config) string { return c.auth.jwtAudience }},
	{"jwt-roles-claim", "roles", "groups", "scope", func(c config) string { return c.auth.jwtRolesClaim }},
	{"jwt-leeway", "30s", "10s", "1m0s", func(c config) string { return c.auth.jwtLeeway.String() }},
	{"jwt-cache", "10000", "500", "0", func(c config) string { return strconv.Itoa(c.auth.jwtCache) }},
	{"api-keys-file", "", "/etc/loancore/api-keys.jsonl", "/run/api-keys.jsonl", func(c config) string { return c.auth.apiKeysFile }},
	{"policy", "", "/etc/loancore/policy.yaml", "/run/policy.yaml", func(c config) string { return c.auth.policyFile }},
	{"audit-log", "", "/var/log/loancore/audit.jsonl", "/run/audit.jsonl", func(c config) string { return c.auth.auditLog }},
	{"nats", "", "nats://127.0.0.1:4222", "tls://nats.bank.test:4222", func(c config) string { return c.relay.nats }},
	{"nats-stream", "LOANCORE_EVENTS", "LOANS", "LOANCORE_FEED", func(c config) string { return c.relay.stream }},
	{"nats-subject-prefix", "loancore.events", "bank.loans", "feed", func(c config) string { return c.relay.subjectPrefix }},
	{"nats-body", "protobuf", "json", "protobuf", func(c config) string { return c.relay.body }},
	{"nats-window", "256", "1", "1024", func(c config) string { return strconv.Itoa(c.relay.window) }},
	{"nats-creds", "", "/etc/loancore/relay.creds", "/run/relay.creds", func(c config) string { return c.relay.creds }},
	{"nats-ca", "", "/etc/loancore/nats-ca.pem", "/run/nats-ca.pem", func(c config) string { return c.relay.ca }},
}

// flagNeeds are the other flags a flag needs once it is set, for
// TestConfigEveryFlag: a TLS key without its certificate is refused.
var flagNeeds = map[string][]string{
	"tls-cert":  {"--tls-key", "/etc/tls/key.pem"},
	"tls-key":   {"--tls-cert", "/etc/tls/cert.pem"},
	"client-ca": {"--tls-cert", "/etc/tls/cert.pem", "--tls-key", "/etc/tls/key.pem"},
}

// TestConfigEveryFlag takes the flags from the flag set itself, so that a
// new flag without a row here fails: each has its default, its
// environment variable (LOANCORE_ and its name in upper snake case) sets
// it, the command line wins over the variable, and the usage names the
// variable.
func TestConfigEveryFlag(t *testing.T) {
	rows := map[string]flagRow{}
	for _, r := range flagRows {
		rows[r.flag] = r
	}
	var usage strings.Builder
	printUsage(&usage)
	newFlagSet(&config{}).VisitAll(func(f *flag.Flag) {
		r, ok := rows[f.Name]
		if !ok {
			t.Errorf("--%s has no row in flagRows", f.Name)
			return
		}
		delete(rows, f.Name)
		t.Run(f.Name, func(t *testing.T) {
			name := "LOANCORE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
			if got := envName(f.Name); got != name {
				t.Fatalf("envName(%q) = %q, want %q", f.Name, got, name)
			}
			if f.DefValue != r.def {
				t.Errorf("the usage shows default %q, want %q", f.DefValue, r.def)
			}
			if block := usageOf(usage.String(), f); !strings.Contains(block, "\tenv "+name+",") && !strings.HasSuffix(block, "\tenv "+name+"\n") {
				t.Errorf("the usage does not name %s under --%s: %q", name, f.Name, block)
			}
			check := func(what string, args []string, lookup func(string) (string, bool), want string) {
				t.Helper()
				c, err := parseConfig(args, lookup)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if got := r.get(c); got != want {
					t.Errorf("%s: got %q, want %q", what, got, want)
				}
			}
			needs := flagNeeds[f.Name]
			check("default", nil, env(), r.def)
			check("empty variable", nil, env(name, ""), r.def)
			check(name, needs, env(name, r.env), r.env)
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				// A boolean flag takes its value after "=" only.
				check("flag over "+name, append([]string{"--" + f.Name, r.arg}, needs...), env(name, r.env), r.arg)
			}
			check("flag with = over "+name, append([]string{"--" + f.Name + "=" + r.arg}, needs...), env(name, r.env), r.arg)
		})
	})
	for name := range rows {
		t.Errorf("flagRows has a row for --%s, which is not a flag", name)
	}
}

// usageOf is the part of the usage about one flag: its line and the lines
// under it, up to the next flag's.
func usageOf(usage string, f *flag.Flag) string {
	kind, _ := flag.UnquoteUsage(f)
	_, block, ok := strings.Cut(usage, fmt.Sprintf("\n  --%s %s\n", f.Name, kind))
	if !ok {
		return ""
	}
	if i := strings.Index(block, "\n  --"); i >= 0 {
		block = block[:i+1]
	}
	return block
}

// TestConfigKeepsTheVariables checks that the variables loand read before
// every flag had one still have their names.
func TestConfigKeepsTheVariables(t *testing.T) {
	for _, name := range []string{"LOANCORE_LISTEN", "LOANCORE_DATABASE", "LOANCORE_TIMEZONE", "LOANCORE_LOG_FORMAT", "LOANCORE_LOG_LEVEL",
		"LOANCORE_PPROF", "LOANCORE_DELINQUENCY_BUCKETS", "LOANCORE_RISK_CLASSES"} {
		found := false
		newFlagSet(&config{}).VisitAll(func(f *flag.Flag) { found = found || envName(f.Name) == name })
		if !found {
			t.Errorf("no flag reads %s", name)
		}
	}
}

// TestConfigDerived checks what the server takes from the flags beyond
// their values.
func TestConfigDerived(t *testing.T) {
	c, err := parseConfig([]string{"--min-on-time-between-deferrals", "0", "--max-freeze-installments", "0"}, env())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.restructuring.MinOnTimeBetweenDeferrals; got != -1 {
		t.Errorf("--min-on-time-between-deferrals 0: the policy has %d, want -1 (the rule off)", got)
	}
	if got := c.restructuring.WithDefaults().MaxFreezeInstallments; got != 60 {
		t.Errorf("--max-freeze-installments 0: the policy has %d, want the default 60", got)
	}
	for _, tc := range []struct {
		gogc []string
		want bool
	}{{nil, true}, {[]string{"GOGC", ""}, true}, {[]string{"GOGC", "100"}, false}, {[]string{"GOGC", "off"}, false}} {
		c, err := parseConfig(nil, env(tc.gogc...))
		if err != nil {
			t.Fatal(err)
		}
		if c.setGCPercent != tc.want {
			t.Errorf("environment %q: setGCPercent %v, want %v (GOGC wins when set)", tc.gogc, c.setGCPercent, tc.want)
		}
	}
	if zeroIsOff(0) != -1 || zeroIsOff(-3) != -1 || zeroIsOff(5) != 5 {
		t.Error("zeroIsOff: 0 and below must turn the cache and snapshots off, and keep a positive value")
	}
}

// TestConfigRefuses checks that every bad setting is refused by
// parseConfig, before anything is opened, with a message that names the
// flag, and the variable when the value came from one; and which of them
// are usage errors (exit 2).
func TestConfigRefuses(t *testing.T) {
	checkRefusals(t, []refusal{
		{args: []string{"--log-level", "loud"}, want: []string{`--log-level: want debug, info, warn or error, got "loud"`}},
		{env: []string{"LOANCORE_LOG_LEVEL", "loud"}, want: []string{"--log-level: want", "LOANCORE_LOG_LEVEL"}},
		{args: []string{"--log-format", "xml"}, want: []string{`--log-format: want text or json, got "xml"`}},
		{env: []string{"LOANCORE_LOG_FORMAT", "xml"}, want: []string{"--log-format", "LOANCORE_LOG_FORMAT"}},
		{args: []string{"--timezone", "Mars/Olympus"}, want: []string{"--timezone: ", "Mars/Olympus"}},
		{env: []string{"LOANCORE_TIMEZONE", "Mars/Olympus"}, want: []string{"--timezone: ", "LOANCORE_TIMEZONE"}},
		{args: []string{"--delinquency-buckets", "30,60"}, want: []string{`--delinquency-buckets: want 6 comma-separated day counts, got "30,60"`}},
		{args: []string{"--delinquency-buckets", "30,60,x,120,150,180"}, want: []string{`--delinquency-buckets: "x" is not a number of days`}},
		{args: []string{"--risk-classes", "1,91,271"}, want: []string{"--risk-classes: want 4 comma-separated day counts"}},
		{env: []string{"LOANCORE_RISK_CLASSES", "1,91,271"}, want: []string{"--risk-classes: want 4", "LOANCORE_RISK_CLASSES"}},
		{args: []string{"--delinquency-buckets", "60,30,90,120,150,180"}, want: []string{"--delinquency-buckets / --risk-classes: "}},
		{args: []string{"--risk-classes", "91,1,271,361"}, want: []string{"--delinquency-buckets / --risk-classes: "}},
		{args: []string{"--reminder-days", "0"}, want: []string{"--reminder-days and --prenotice-days must be at least 1"}},
		{args: []string{"--prenotice-days", "0"}, want: []string{"--reminder-days and --prenotice-days must be at least 1"}},
		{args: []string{"--cob-carry-workers", "0"}, want: []string{"--cob-carry-workers must be at least 1"}},
		{args: []string{"--cob-keep-position-dates", "-1"}, want: []string{"--cob-keep-position-dates must not be negative"}},
		{args: []string{"--freeze-lines-days", "-1"}, want: []string{"--freeze-lines-days must not be negative"}},
		{args: []string{"--feed-min-interval", "-1ms"}, want: []string{"--feed-min-interval: must not be negative"}},
		{env: []string{"LOANCORE_PRENOTICE_DAYS", "0"}, want: []string{"--prenotice-days must be at least 1", "LOANCORE_PRENOTICE_DAYS"}},
		{args: []string{"--restructured-risk-floor", "GOOD"}, want: []string{`--restructured-risk-floor: want NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL or LOSS, got "GOOD"`}},
		{args: []string{"--apr-cap-percent", "-1"}, want: []string{"--apr-cap-percent: "}},
		{args: []string{"--apr-cap-percent", "lots"}, want: []string{"--apr-cap-percent: "}},
		{args: []string{"--max-apr-percent", "0"}, want: []string{"--max-apr-percent: "}},
		{args: []string{"--max-apr-percent", "lots"}, want: []string{"--max-apr-percent: "}},
		{args: []string{"--above-max-apr", "warn"}, want: []string{"--above-max-apr: "}},
		{args: []string{"--max-agreements", "-1"}, want: []string{"--max-agreements: restructuring policy: limits must not be negative"}},
		{args: []string{"--max-extension-months", "-1"}, want: []string{"--max-extension-months: restructuring policy: limits must not be negative"}},
		{args: []string{"--observation-months", "-1"}, want: []string{"--observation-months: restructuring policy: limits must not be negative"}},
		{args: []string{"--max-freeze-installments", "61"}, want: []string{"--max-freeze-installments: restructuring policy: max freeze installments must be between 1 and 60"}},
		{env: []string{"LOANCORE_MAX_FREEZE_INSTALLMENTS", "61"}, want: []string{"--max-freeze-installments: ", "LOANCORE_MAX_FREEZE_INSTALLMENTS"}},
		{args: []string{"--business-calendar-start", "2026-02-30"}, want: []string{`--business-calendar-start: want a date as YYYY-MM-DD: "2026-02-30" is not a calendar date`}},
		{env: []string{"LOANCORE_BUSINESS_CALENDAR_START", "yesterday"}, want: []string{"--business-calendar-start: ", "LOANCORE_BUSINESS_CALENDAR_START"}},
		{env: []string{"LOANCORE_CACHED_LOANS", "many"}, want: []string{`LOANCORE_CACHED_LOANS: invalid value "many" for --cached-loans`}},
		{env: []string{"LOANCORE_SHUTDOWN_GRACE", "soon"}, want: []string{"LOANCORE_SHUTDOWN_GRACE: invalid value"}},
		{args: []string{"--nats", "nats://10.1.2.3:4222"}, want: []string{"--nats nats://10.1.2.3:4222 is not a loopback address", "use tls://"}},
		{env: []string{"LOANCORE_NATS", "nats://relay:s3cret@nats.bank.test:4222"}, want: []string{"--nats nats://xxxxx@nats.bank.test:4222 is not", "LOANCORE_NATS"}},
		{args: []string{"--nats", "http://127.0.0.1:4222"}, want: []string{`--nats: scheme "http": want nats, tls, ws or wss`}},
		{args: []string{"--nats-stream", "LOANCORE.EVENTS"}, want: []string{`--nats-stream: "LOANCORE.EVENTS" is not a NATS name`}},
		{args: []string{"--nats-subject-prefix", "loancore.*"}, want: []string{`--nats-subject-prefix: "loancore.*" is not a NATS name`}},
		{args: []string{"--nats-subject-prefix", "loancore..events"}, want: []string{`--nats-subject-prefix: "loancore..events" is not`}},
		{args: []string{"--nats-body", "xml"}, want: []string{`--nats-body: want protobuf or json, got "xml"`}},
		{args: []string{"--nats-window", "0"}, want: []string{"--nats-window: want 1 to 65536, got 0"}},
		{args: []string{"--cached-loans", "many"}, want: []string{"cached-loans"}, usage: true},
		{args: []string{"--listen"}, want: []string{"listen"}, usage: true},
		{args: []string{"--frobnicate"}, want: []string{"frobnicate"}, usage: true},
		{args: []string{"extra"}, want: []string{`unexpected argument "extra"`}, usage: true},
		{args: []string{"--listen", "127.0.0.1:1", "migrate"}, want: []string{`unexpected argument "migrate": the command goes before the flags`}, usage: true},
	})
}

// TestConfigRefusesTransport is TestConfigRefuses for the transport's
// flags: the plaintext rule, TLS files named in pairs, and limits.
func TestConfigRefusesTransport(t *testing.T) {
	checkRefusals(t, []refusal{
		{args: []string{"--listen", "0.0.0.0:50051"}, want: []string{"--listen 0.0.0.0:50051 is not a loopback address", "--tls-cert", "--tls-key", "--insecure-plaintext"}},
		{args: []string{"--listen", ":50051"}, want: []string{"--listen :50051 (every interface) is not a loopback address", "--insecure-plaintext"}},
		{args: []string{"--listen", "[::]:50051"}, want: []string{"--listen [::]:50051 is not a loopback address"}},
		{args: []string{"--listen", "10.1.2.3:50051"}, want: []string{"--listen 10.1.2.3:50051 is not a loopback address"}},
		{args: []string{"--listen", "loand.bank.example:50051"}, want: []string{"is not a loopback address"}},
		{args: []string{"--listen", "localhost.evil.example:50051"}, want: []string{"is not a loopback address"}},
		{env: []string{"LOANCORE_LISTEN", "0.0.0.0:50051"}, want: []string{"--insecure-plaintext", "(from LOANCORE_LISTEN)"}},
		{args: []string{"--listen", "50051"}, want: []string{"--listen: address 50051: missing port in address"}},
		{args: []string{"--tls-cert", "cert.pem"}, want: []string{"--tls-cert and --tls-key: give both"}},
		{env: []string{"LOANCORE_TLS_KEY", "key.pem"}, want: []string{"--tls-cert and --tls-key: give both", "LOANCORE_TLS_KEY"}},
		{args: []string{"--client-ca", "ca.pem"}, want: []string{"--client-ca needs --tls-cert and --tls-key"}},
		{args: []string{"--client-ca", "ca.pem", "--listen", "0.0.0.0:1", "--insecure-plaintext"}, want: []string{"--client-ca needs --tls-cert"}},
		{args: []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--insecure-plaintext"}, want: []string{"--insecure-plaintext and --tls-cert: choose one"}},
		{args: []string{"--max-recv-msg-size", "0"}, want: []string{"--max-recv-msg-size: want 1 to 2147483647, got 0"}},
		{args: []string{"--max-send-msg-size", "-1"}, want: []string{"--max-send-msg-size: want 1 to"}},
		{args: []string{"--max-concurrent-streams", "0"}, want: []string{"--max-concurrent-streams: want 1 to"}},
		{args: []string{"--max-concurrent-streams", "4294967296"}, want: []string{"--max-concurrent-streams: want 1 to 2147483647"}},
		{env: []string{"LOANCORE_MAX_CONCURRENT_STREAMS", "0"}, want: []string{"--max-concurrent-streams", "LOANCORE_MAX_CONCURRENT_STREAMS"}},
		{args: []string{"--keepalive-min-time", "0s"}, want: []string{"--keepalive-min-time: want a positive duration, got 0s"}},
		{args: []string{"--keepalive-time", "-1s"}, want: []string{"--keepalive-time: want a positive duration"}},
		{args: []string{"--keepalive-timeout", "0s"}, want: []string{"--keepalive-timeout: want a positive duration"}},
		{args: []string{"--max-connection-idle", "0s"}, want: []string{"--max-connection-idle: want a positive duration"}},
		{args: []string{"--default-deadline", "0s"}, want: []string{"--default-deadline: want a positive duration"}},
		{args: []string{"--insecure-plaintext=maybe"}, want: []string{"insecure-plaintext"}, usage: true},
	})
}

// refusal is a setting parseConfig must refuse, with what its message
// must say, and whether it is a usage error (exit 2).
type refusal struct {
	args  []string
	env   []string
	want  []string
	usage bool
}

// checkRefusals checks that parseConfig refuses each of cases as it says.
func checkRefusals(t *testing.T, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		_, err := parseConfig(tc.args, env(tc.env...))
		if err == nil {
			t.Errorf("args %q, environment %q: accepted", tc.args, tc.env)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("args %q, environment %q: %q does not say %q", tc.args, tc.env, err, w)
			}
		}
		var usage *usageError
		if errors.As(err, &usage) != tc.usage {
			t.Errorf("args %q, environment %q: usage error %v, want %v", tc.args, tc.env, !tc.usage, tc.usage)
		}
	}
}

// TestConfigListen checks the addresses loand serves plaintext on without
// --insecure-plaintext (loopback ones), and that TLS or the flag lets it
// serve on any.
func TestConfigListen(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:50051", "127.3.2.1:1", "[::1]:50051", "localhost:50051", "LOCALHOST:1", "[::ffff:127.0.0.1]:1"} {
		if _, err := parseConfig([]string{"--listen", addr}, env()); err != nil {
			t.Errorf("--listen %s: %v", addr, err)
		}
	}
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:50051", "--insecure-plaintext"},
		{"--listen", ":50051"},
		{"--listen", "10.1.2.3:50051"},
	} {
		if _, err := parseConfig(args, env("LOANCORE_INSECURE_PLAINTEXT", "true")); err != nil {
			t.Errorf("%q with LOANCORE_INSECURE_PLAINTEXT=true: %v", args, err)
		}
		tls := append([]string{"--tls-cert", "cert.pem", "--tls-key", "key.pem", "--client-ca", "ca.pem"}, args[:2]...)
		c, err := parseConfig(tls, env())
		if err != nil {
			t.Errorf("%q: %v", tls, err)
		} else if c.transport.transportName() != "mutual TLS" {
			t.Errorf("%q: transport %q, want mutual TLS", tls, c.transport.transportName())
		}
	}
}

// TestConfigFlagSkipsItsVariable checks that a flag on the command line
// means its variable is not read at all: a bad value there is no error.
func TestConfigFlagSkipsItsVariable(t *testing.T) {
	c, err := parseConfig([]string{"--cached-loans", "5", "--timezone", "UTC"}, env("LOANCORE_CACHED_LOANS", "many", "LOANCORE_TIMEZONE", "Mars/Olympus"))
	if err != nil {
		t.Fatal(err)
	}
	if c.cachedLoans != 5 || c.location.String() != "UTC" {
		t.Errorf("got --cached-loans %d, --timezone %s; want 5, UTC", c.cachedLoans, c.location)
	}
}

// TestConfigHelp checks that -h and --help ask for the usage, which run
// prints to stdout with exit code 0.
func TestConfigHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		if _, err := parseConfig([]string{"--listen", "127.0.0.1:1", arg}, env()); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: %v, want flag.ErrHelp", arg, err)
		}
	}
}

// TestOperationsGuideListsEveryFlag keeps docs/operations.md's table of
// flags in step with the flag set: a row for every flag, with its
// variable and default.
func TestOperationsGuideListsEveryFlag(t *testing.T) {
	guide, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	newFlagSet(&config{}).VisitAll(func(f *flag.Flag) {
		def := "`" + f.DefValue + "`"
		if f.DefValue == "" {
			def = "off"
		}
		row := fmt.Sprintf("| `--%s` | `%s` | %s |", f.Name, envName(f.Name), def)
		if !strings.Contains(string(guide), row) {
			t.Errorf("docs/operations.md has no row starting %q", row)
		}
	})
}

// TestOperationsGuideShowsTheDefaultPolicy keeps the built-in policy that
// docs/operations.md shows in full the one loand enforces.
func TestOperationsGuideShowsTheDefaultPolicy(t *testing.T) {
	guide, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(guide), "```yaml\n"+string(auth.DefaultPolicyYAML())+"```\n") {
		t.Error("docs/operations.md does not show internal/auth/default_policy.yaml in full, in a yaml block")
	}
}
