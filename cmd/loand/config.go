package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// config is loand's whole configuration. parseConfig is the one place that
// fills it, from the command line and the environment, and validates all
// of it, so that a bad setting stops loand before it opens anything.
type config struct {
	listen        string
	database      string
	timezone      string
	logFormat     string
	logLevel      string
	pprof         string
	shutdownGrace time.Duration
	// metricsListen serves /metrics when set; healthInterval is how
	// often the health checks ping the database.
	metricsListen  string
	healthInterval time.Duration
	// feedMinInterval is the least time between two sequencer passes
	// that writes wake (servicing.NewFeedParams.MinInterval).
	feedMinInterval time.Duration

	delinquencyBuckets string
	riskClasses        string
	reminderDays       int
	prenoticeDays      int
	freezeLinesDays    int
	calendarStartFlag  string
	// cobCarryWorkers: servicing.NewCloseParams.CarryWorkers.
	cobCarryWorkers int
	// cobKeepPositionDates: servicing.NewCloseParams.KeepPositionDates.
	cobKeepPositionDates int

	maxAgreements         int
	minOnTime             int
	maxExtensionMonths    int
	maxFreezeInstallments int
	observationMonths     int
	restructuredRiskFloor string
	aprCapPercent         string
	maxAPRPercent         string
	aboveMaxAPR           string

	cachedLoans   int
	snapshotEvery int
	gcPercent     int

	// transport is how loand serves gRPC: TLS, the plaintext rule and
	// the limits on each client.
	transport transportConfig
	// Who may call and what they may do (authconfig.go).
	auth authConfig
	// Where loand relay publishes the feed (relay.go).
	relay relayConfig

	// What validate derives from the flags above, for the server to use
	// as they are.
	location      *time.Location
	level         slog.Level
	delinquency   engine.DelinquencyPolicy
	restructuring servicing.RestructuringPolicy
	aprPolicy     servicing.APRPolicy
	// calendarStart is --business-calendar-start; NoDate if unset.
	calendarStart engine.Date
	// setGCPercent is false when GOGC is set: GOGC wins over --gc-percent.
	setGCPercent bool
}

// envPrefix starts the name of every flag's environment variable, so that
// loand's settings are easy to find in a deployment's environment.
const envPrefix = "LOANCORE_"

// envName is the environment variable of a flag: LOANCORE_ and the flag's
// name in upper snake case (--cached-loans, LOANCORE_CACHED_LOANS). It is
// derived, not listed, so that no flag can be without one.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet defines loand's flags on c. It is the single list of them:
// parsing, the environment, the usage text and the tests all read it.
func newFlagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("loand", flag.ContinueOnError)
	// run prints errors and usage itself, each to the stream it belongs on.
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:50051", "address to serve gRPC on")
	fs.StringVar(&c.database, "database", "sqlite:./data/loancore.db", "postgres://… URL or sqlite:PATH")
	fs.StringVar(&c.timezone, "timezone", "Asia/Shanghai", "business time zone that decides today's date")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug logs every call; info logs refused calls, warn slow calls, error internal errors")
	fs.StringVar(&c.pprof, "pprof", "", "serve net/http/pprof on this address, e.g. 127.0.0.1:6060 (off by default)")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "how long to let calls finish on SIGTERM before cutting them off")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "serve Prometheus metrics at /metrics on this address, e.g. 127.0.0.1:9464 (off by default)")
	fs.DurationVar(&c.healthInterval, "health-interval", 5*time.Second,
		"how often the health service pings the database (NOT_SERVING while it does not answer within this)")
	fs.DurationVar(&c.feedMinInterval, "feed-min-interval", 10*time.Millisecond,
		"least time between two passes of the event feed's sequencer that writes wake: a write waits at most this long more to reach the feed; 0: a pass after every write")
	fs.StringVar(&c.delinquencyBuckets, "delinquency-buckets", "30,60,90,120,150,180",
		"largest days past due of buckets M1…M6, increasing; beyond the last is M7")
	fs.StringVar(&c.riskClasses, "risk-classes", "1,91,271,361", "days past due from which a loan is SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL, LOSS")
	fs.IntVar(&c.reminderDays, "reminder-days", 3, "close of business reminds of an installment this many days before it is due")
	fs.IntVar(&c.prenoticeDays, "prenotice-days", 1, "close of business sends the credit-report pre-notice on this day past due")
	fs.IntVar(&c.freezeLinesDays, "freeze-lines-days", 1,
		"close of business freezes a credit line when any of its loans is this many days past due, and unfreezes it when none is; 0: never")
	fs.IntVar(&c.cobCarryWorkers, "cob-carry-workers", 2,
		"close of business carries steady loans on in the database in this many statements at once, each on a connection of its own (about the database's cores)")
	fs.IntVar(&c.cobKeepPositionDates, "cob-keep-position-dates", 0,
		"close of business keeps the loans' positions of this many business dates, the last closed among them, and drops older dates' after each run (the journal and notices stay); 0: keep every date's")
	fs.StringVar(&c.calendarStartFlag, "business-calendar-start", "",
		"YYYY-MM-DD: the first close of business may not close an earlier date (default: the earliest disbursement date of any loan)")
	def := servicing.DefaultRestructuringPolicy
	fs.IntVar(&c.maxAgreements, "max-agreements", def.MaxAgreementsPerLoan, "restructuring: agreements a loan may sign over its life")
	fs.IntVar(&c.minOnTime, "min-on-time-between-deferrals", def.MinOnTimeBetweenDeferrals,
		"restructuring: installments of the previous plan paid on time before another extension, holiday or re-amortisation (0: no rule)")
	fs.IntVar(&c.maxExtensionMonths, "max-extension-months", def.MaxExtensionMonths,
		"restructuring: how far past the contract's maturity a new plan may end (freeze plans aside)")
	fs.IntVar(&c.maxFreezeInstallments, "max-freeze-installments", def.MaxFreezeInstallments, "restructuring: most installments of an interest freeze plan, at most 60")
	fs.IntVar(&c.observationMonths, "observation-months", def.ObservationMonths, "restructuring: months after an agreement's effective date a loan stays marked restructured")
	fs.StringVar(&c.restructuredRiskFloor, "restructured-risk-floor", def.RiskFloor.String(), "restructuring: best risk class of a restructured loan (NORMAL … LOSS)")
	fs.StringVar(&c.aprCapPercent, "apr-cap-percent", def.APRCapPercent.String(), "restructuring: the APR a quote's within_cap compares with")
	fs.StringVar(&c.maxAPRPercent, "max-apr-percent", "",
		"QuoteSchedule: the most APR, in percent a year, a quote may show unflagged (empty: no maximum)")
	fs.StringVar(&c.aboveMaxAPR, "above-max-apr", "flag",
		"QuoteSchedule: what a quote above --max-apr-percent gets: flag (apr_above_maximum) or refuse (APR_ABOVE_MAXIMUM)")
	fs.IntVar(&c.cachedLoans, "cached-loans", servicing.DefaultCachedLoans,
		"loans whose latest fold this process keeps in memory for their next write, that day or later, and whose latest GetLoan answer it keeps for the next read; 0 turns both caches off")
	fs.IntVar(&c.snapshotEvery, "snapshot-every", servicing.DefaultSnapshotEvery,
		"a repayment that read this many events or more of its loan's log beyond the latest snapshot stores a new one; 0 turns snapshots off")
	fs.IntVar(&c.gcPercent, "gc-percent", 400, "garbage collector target (debug.SetGCPercent); the GOGC environment variable wins when set")
	defineTransportFlags(fs, &c.transport)
	defineAuthFlags(fs, &c.auth)
	defineRelayFlags(fs, &c.relay)
	return fs
}

// parseConfig reads loand's configuration from the flags in args (after
// the command) and from lookupEnv, which tests pass instead of the
// process's environment. A flag on the command line wins over its
// environment variable, which wins over the default; an empty variable
// counts as unset, as it always has for loand. It returns flag.ErrHelp for
// -h or --help and a *usageError when args cannot be parsed.
func parseConfig(args []string, lookupEnv func(string) (string, bool)) (config, error) {
	var c config
	fs := newFlagSet(&c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return config{}, strayArgument(fs.Arg(0))
	}
	fromEnv, err := applyEnv(fs, lookupEnv)
	if err != nil {
		return config{}, err
	}
	gogc, _ := lookupEnv("GOGC")
	c.setGCPercent = gogc == ""
	if err := c.validate(); err != nil {
		var fe *flagError
		if errors.As(err, &fe) {
			fe.from(fromEnv)
		}
		return config{}, err
	}
	return c, nil
}

// strayArgument refuses a positional argument after the flags. A command
// name there is a command in the wrong place, which deserves a hint: loand
// once served whatever followed its flags.
func strayArgument(arg string) error {
	switch arg {
	case "serve", "migrate", "version", "help", "apikey", "relay":
		return &usageError{fmt.Sprintf("unexpected argument %q: the command goes before the flags", arg)}
	}
	return &usageError{fmt.Sprintf("unexpected argument %q", arg)}
}

// applyEnv sets every flag the command line left alone from its
// environment variable, when that is set and not empty, and returns the
// flags that took their value from there, by name, with their variable.
// A value a flag refuses is an error that names the variable, since the
// operator looking at the command line would not find it there.
func applyEnv(fs *flag.FlagSet, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	fromEnv := map[string]string{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v, ok := lookupEnv(name)
		if err != nil || onCommandLine[f.Name] || !ok || v == "" {
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = fmt.Errorf("%s: invalid value %q for --%s: %v", name, v, f.Name, e)
			return
		}
		fromEnv[f.Name] = name
	})
	return fromEnv, err
}

// flagError is a value validation refused. Its message names the flags,
// as loand's messages always have; when a value came from the environment
// it names the variable too, since that is where the operator must look.
type flagError struct {
	flags []string // without dashes
	err   error
	env   []string // the variables the flags' values came from
}

// refuse wraps a validation error with the flags it is about.
func refuse(err error, flags ...string) error { return &flagError{flags: flags, err: err} }

// Error is validation's message, and the variables the values came from.
func (e *flagError) Error() string {
	if len(e.env) == 0 {
		return e.err.Error()
	}
	return fmt.Sprintf("%v (from %s)", e.err, strings.Join(e.env, ", "))
}

// Unwrap gives errors.Is and errors.As the cause behind the message.
func (e *flagError) Unwrap() error { return e.err }

// from records which of the error's flags took their value from the
// environment (fromEnv, as applyEnv returns it).
func (e *flagError) from(fromEnv map[string]string) {
	for _, f := range e.flags {
		if name, ok := fromEnv[f]; ok {
			e.env = append(e.env, name)
		}
	}
}

// validate checks every setting that can be checked without opening
// anything and derives what the server uses from them.
func (c *config) validate() error {
	if err := c.level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return refuse(fmt.Errorf("--log-level: want debug, info, warn or error, got %q", c.logLevel), "log-level")
	}
	if c.logFormat != "json" && c.logFormat != "text" {
		return refuse(fmt.Errorf("--log-format: want text or json, got %q", c.logFormat), "log-format")
	}
	loc, err := time.LoadLocation(c.timezone)
	if err != nil {
		return refuse(fmt.Errorf("--timezone: %w", err), "timezone")
	}
	c.location = loc
	if err := c.validateDelinquency(); err != nil {
		return err
	}
	if c.healthInterval <= 0 {
		return refuse(fmt.Errorf("--health-interval: want a positive duration, got %v", c.healthInterval), "health-interval")
	}
	if c.feedMinInterval < 0 {
		return refuse(fmt.Errorf("--feed-min-interval: must not be negative, got %v", c.feedMinInterval), "feed-min-interval")
	}
	if c.freezeLinesDays < 0 {
		return refuse(errors.New("--freeze-lines-days must not be negative"), "freeze-lines-days")
	}
	if c.cobCarryWorkers < 1 {
		return refuse(errors.New("--cob-carry-workers must be at least 1"), "cob-carry-workers")
	}
	if c.cobKeepPositionDates < 0 {
		return refuse(errors.New("--cob-keep-position-dates must not be negative"), "cob-keep-position-dates")
	}
	if c.reminderDays < 1 || c.prenoticeDays < 1 {
		return refuse(errors.New("--reminder-days and --prenotice-days must be at least 1"), "reminder-days", "prenotice-days")
	}
	if c.calendarStartFlag != "" {
		if c.calendarStart, err = engine.ParseDate(c.calendarStartFlag); err != nil {
			return refuse(fmt.Errorf("--business-calendar-start: want a date as YYYY-MM-DD: %w", err), "business-calendar-start")
		}
	}
	if err := c.transport.validate(c.listen); err != nil {
		return err
	}
	if err := c.relay.validate(c.transport.insecurePlaintext); err != nil {
		return err
	}
	if err := c.validateAPRPolicy(); err != nil {
		return err
	}
	return c.validateRestructuring()
}

// validateAPRPolicy reads --max-apr-percent and --above-max-apr into the
// policy QuoteSchedule applies.
func (c *config) validateAPRPolicy() error {
	switch c.aboveMaxAPR {
	case "flag", "refuse":
		c.aprPolicy.Refuse = c.aboveMaxAPR == "refuse"
	default:
		return refuse(fmt.Errorf("--above-max-apr: want flag or refuse, got %q", c.aboveMaxAPR), "above-max-apr")
	}
	if c.maxAPRPercent == "" {
		return nil
	}
	var err error
	if c.aprPolicy.Maximum, err = money.ParseRate(c.maxAPRPercent, engine.MaxRatePercent); err != nil || c.aprPolicy.Maximum.IsZero() {
		return refuse(fmt.Errorf("--max-apr-percent: want a percent above 0, got %q (%v)", c.maxAPRPercent, err), "max-apr-percent")
	}
	return nil
}

// validateDelinquency reads the buckets and risk classes into the policy
// close of business and every loan read age loans by.
func (c *config) validateDelinquency() error {
	if err := parseDays("--delinquency-buckets", c.delinquencyBuckets, c.delinquency.BucketMaxDays[:]); err != nil {
		return refuse(err, "delinquency-buckets")
	}
	if err := parseDays("--risk-classes", c.riskClasses, c.delinquency.RiskFromDays[:]); err != nil {
		return refuse(err, "risk-classes")
	}
	if err := c.delinquency.Validate(); err != nil {
		return refuse(fmt.Errorf("--delinquency-buckets / --risk-classes: %w", err), "delinquency-buckets", "risk-classes")
	}
	return nil
}

// validateRestructuring reads the restructuring flags into the policy
// NewLoans takes, with servicing's own checks run here so that they fail
// before the database is opened.
func (c *config) validateRestructuring() error {
	r := servicing.RestructuringPolicy{MaxAgreementsPerLoan: c.maxAgreements, MinOnTimeBetweenDeferrals: c.minOnTime,
		MaxExtensionMonths: c.maxExtensionMonths, MaxFreezeInstallments: c.maxFreezeInstallments, ObservationMonths: c.observationMonths}
	if c.minOnTime == 0 {
		// 0 turns the rule off; the policy reads 0 as "default".
		r.MinOnTimeBetweenDeferrals = -1
	}
	for class := engine.RiskNormal; class <= engine.RiskLoss; class++ {
		if class.String() == c.restructuredRiskFloor {
			r.RiskFloor = class
		}
	}
	if r.RiskFloor == 0 {
		return refuse(fmt.Errorf("--restructured-risk-floor: want NORMAL, SPECIAL_MENTION, SUBSTANDARD, DOUBTFUL or LOSS, got %q",
			c.restructuredRiskFloor), "restructured-risk-floor")
	}
	var err error
	if r.APRCapPercent, err = money.ParseRate(c.aprCapPercent, engine.MaxRatePercent); err != nil {
		return refuse(fmt.Errorf("--apr-cap-percent: %w", err), "apr-cap-percent")
	}
	if err := r.WithDefaults().Validate(); err != nil {
		return restructuringFlag(r, err)
	}
	c.restructuring = r
	return nil
}

// restructuringFlag names the flag behind a policy servicing refused
// (servicing's message names none): each limit is checked alone, with the
// others at their defaults.
func restructuringFlag(r servicing.RestructuringPolicy, err error) error {
	alone := []struct {
		flag   string
		policy servicing.RestructuringPolicy
	}{
		{"max-agreements", servicing.RestructuringPolicy{MaxAgreementsPerLoan: r.MaxAgreementsPerLoan}},
		{"max-extension-months", servicing.RestructuringPolicy{MaxExtensionMonths: r.MaxExtensionMonths}},
		{"max-freeze-installments", servicing.RestructuringPolicy{MaxFreezeInstallments: r.MaxFreezeInstallments}},
		{"observation-months", servicing.RestructuringPolicy{ObservationMonths: r.ObservationMonths}},
	}
	for _, a := range alone {
		if e := a.policy.WithDefaults().Validate(); e != nil {
			return refuse(fmt.Errorf("--%s: %w", a.flag, e), a.flag)
		}
	}
	return fmt.Errorf("restructuring flags: %w", err)
}

// parseDays reads a comma-separated list of exactly len(into) day counts.
func parseDays(flag, list string, into []int) error {
	parts := strings.Split(list, ",")
	if len(parts) != len(into) {
		return fmt.Errorf("%s: want %d comma-separated day counts, got %q", flag, len(into), list)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of days", flag, p)
		}
		into[i] = n
	}
	return nil
}

// transportConfig is how loand serves gRPC: over TLS (mutual with a
// client CA) or plaintext, and the limits on what each client may make
// loand hold. Its flags are defined by defineTransportFlags and checked
// by validate, in one place each.
type transportConfig struct {
	tlsCert, tlsKey, clientCA string
	insecurePlaintext         bool

	maxRecvMsgSize, maxSendMsgSize, maxConcurrentStreams int
	keepaliveMinTime, keepaliveTime, keepaliveTimeout    time.Duration
	maxConnectionIdle, defaultDeadline                   time.Duration

	// limits is what validate derives from the limit flags.
	limits grpcapi.Limits
}

// defineTransportFlags defines the transport's flags on fs, with
// grpcapi's default limits as theirs.
func defineTransportFlags(fs *flag.FlagSet, t *transportConfig) {
	fs.StringVar(&t.tlsCert, "tls-cert", "", "serve TLS with this PEM certificate chain (with --tls-key); reloaded on SIGHUP and when it changes")
	fs.StringVar(&t.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	fs.StringVar(&t.clientCA, "client-ca", "", "PEM bundle of CAs: clients must present a certificate one of them verifies (mutual TLS; needs --tls-cert)")
	fs.BoolVar(&t.insecurePlaintext, "insecure-plaintext", false, "serve plaintext on a non-loopback --listen address, unencrypted and unauthenticated")
	def := grpcapi.DefaultLimits
	fs.IntVar(&t.maxRecvMsgSize, "max-recv-msg-size", def.MaxRecvMsgSize, "largest request message in bytes; larger ones are refused with RESOURCE_EXHAUSTED")
	fs.IntVar(&t.maxSendMsgSize, "max-send-msg-size", def.MaxSendMsgSize, "largest answer in bytes; a larger one fails its call with RESOURCE_EXHAUSTED")
	fs.IntVar(&t.maxConcurrentStreams, "max-concurrent-streams", int(def.MaxConcurrentStreams), "most calls one connection may have open at once")
	fs.DurationVar(&t.keepaliveMinTime, "keepalive-min-time", def.KeepaliveMinTime,
		"a client pinging more often than this, or with no call open, is disconnected (GOAWAY too_many_pings)")
	fs.DurationVar(&t.keepaliveTime, "keepalive-time", def.KeepaliveTime, "ping a connection silent for this long")
	fs.DurationVar(&t.keepaliveTimeout, "keepalive-timeout", def.KeepaliveTimeout, "close a connection whose answer to that ping takes longer than this")
	fs.DurationVar(&t.maxConnectionIdle, "max-connection-idle", def.MaxConnectionIdle, "close a connection with no call open for this long")
	fs.DurationVar(&t.defaultDeadline, "default-deadline", def.DefaultDeadline, "deadline of a unary call that comes without one (streams get none)")
}

// validate checks the transport's flags: TLS files named in pairs, the
// plaintext rule for listen, and limits that limit something. The files
// are read when loand serves, not here.
func (t *transportConfig) validate(listen string) error {
	switch {
	case (t.tlsCert == "") != (t.tlsKey == ""):
		return refuse(errors.New("--tls-cert and --tls-key: give both, or neither to serve plaintext"), "tls-cert", "tls-key")
	case t.clientCA != "" && t.tlsCert == "":
		return refuse(errors.New("--client-ca needs --tls-cert and --tls-key: mutual TLS is TLS that also checks the client"), "client-ca")
	case t.insecurePlaintext && t.tlsCert != "":
		return refuse(errors.New("--insecure-plaintext and --tls-cert: choose one"), "insecure-plaintext", "tls-cert")
	}
	if t.tlsCert == "" && !t.insecurePlaintext {
		if err := loopbackOnly(listen); err != nil {
			return refuse(err, "listen")
		}
	}
	for _, n := range []struct {
		flag string
		v    int
	}{{"max-recv-msg-size", t.maxRecvMsgSize}, {"max-send-msg-size", t.maxSendMsgSize}, {"max-concurrent-streams", t.maxConcurrentStreams}} {
		if n.v < 1 || n.v > math.MaxInt32 {
			return refuse(fmt.Errorf("--%s: want 1 to %d, got %d", n.flag, math.MaxInt32, n.v), n.flag)
		}
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"keepalive-min-time", t.keepaliveMinTime}, {"keepalive-time", t.keepaliveTime}, {"keepalive-timeout", t.keepaliveTimeout},
		{"max-connection-idle", t.maxConnectionIdle}, {"default-deadline", t.defaultDeadline}} {
		if d.v <= 0 {
			return refuse(fmt.Errorf("--%s: want a positive duration, got %v", d.flag, d.v), d.flag)
		}
	}
	t.limits = grpcapi.Limits{MaxRecvMsgSize: t.maxRecvMsgSize, MaxSendMsgSize: t.maxSendMsgSize,
		MaxConcurrentStreams: uint32(t.maxConcurrentStreams), KeepaliveMinTime: t.keepaliveMinTime, KeepaliveTime: t.keepaliveTime,
		KeepaliveTimeout: t.keepaliveTimeout, MaxConnectionIdle: t.maxConnectionIdle, DefaultDeadline: t.defaultDeadline}
	return nil
}

// loopbackOnly refuses a listen address that is not on loopback
// (127.0.0.0/8, ::1 or localhost): plaintext gRPC elsewhere lets anyone on
// the network read and forge calls. An empty host is every interface.
func loopbackOnly(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	if ip := net.ParseIP(host); strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		listen += " (every interface)"
	}
	return fmt.Errorf("--listen %s is not a loopback address, and plaintext there is readable and forgeable by anyone on the network: "+
		"serve TLS with --tls-cert and --tls-key, or accept the risk with --insecure-plaintext", listen)
}

// zeroIsOff turns a flag's "0 is off" into NewLoansParams' "negative is
// off" (for --cached-loans and --snapshot-every).
func zeroIsOff(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
