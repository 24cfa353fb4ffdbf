package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/nats-io/nats.go"

	"github.com/loancore/loancore/internal/relay"
	"github.com/loancore/loancore/internal/servicing"
)

// relayConfig is what loand relay publishes the event feed to: the NATS
// servers, how to reach them, and the stream, subjects and body. Its
// flags are defined by defineRelayFlags and checked by validate; serve and
// migrate accept them and leave them alone, as they do --listen for
// migrate.
type relayConfig struct {
	nats          string
	stream        string
	subjectPrefix string
	body          string
	window        int
	creds         string
	ca            string

	// bodyEncoding is what validate reads --nats-body into.
	bodyEncoding relay.Body
}

// defineRelayFlags defines loand relay's flags on fs.
func defineRelayFlags(fs *flag.FlagSet, r *relayConfig) {
	fs.StringVar(&r.nats, "nats", "", "loand relay: NATS server URL(s), comma-separated (nats://host:4222, tls://host:4222); required by relay")
	fs.StringVar(&r.stream, "nats-stream", relay.DefaultStream, "loand relay: the JetStream stream, created if missing")
	fs.StringVar(&r.subjectPrefix, "nats-subject-prefix", relay.DefaultSubjectPrefix, "loand relay: subjects are this prefix and the event's kind in lower case")
	fs.StringVar(&r.body, "nats-body", "protobuf", "loand relay: message body, loancore.v1.FeedEvent as protobuf or json")
	fs.IntVar(&r.window, "nats-window", relay.DefaultWindow, "loand relay: publishes awaiting their acknowledgement at once")
	fs.StringVar(&r.creds, "nats-creds", "", "loand relay: NATS credentials file (user JWT and nkey seed)")
	fs.StringVar(&r.ca, "nats-ca", "", "loand relay: PEM bundle of CAs that verify the NATS server's certificate (requires TLS)")
}

// validate checks the relay's flags. A URL that would carry the feed in
// plaintext off loopback is refused unless insecurePlaintext, as --listen
// is: loan events are as sensitive as the calls that made them.
func (r *relayConfig) validate(insecurePlaintext bool) error {
	if err := validToken("--nats-stream", r.stream, ""); err != nil {
		return refuse(err, "nats-stream")
	}
	for _, tok := range strings.Split(r.subjectPrefix, ".") {
		if err := validToken("--nats-subject-prefix", tok, r.subjectPrefix); err != nil {
			return refuse(err, "nats-subject-prefix")
		}
	}
	switch r.body {
	case "protobuf":
		r.bodyEncoding = relay.BodyProtobuf
	case "json":
		r.bodyEncoding = relay.BodyJSON
	default:
		return refuse(fmt.Errorf("--nats-body: want protobuf or json, got %q", r.body), "nats-body")
	}
	if r.window < 1 || r.window > 65536 {
		return refuse(fmt.Errorf("--nats-window: want 1 to 65536, got %d", r.window), "nats-window")
	}
	if r.nats == "" {
		return nil // only relay needs it: relayOptions says so
	}
	for _, u := range strings.Split(r.nats, ",") {
		if err := r.validURL(strings.TrimSpace(u), insecurePlaintext); err != nil {
			return refuse(err, "nats")
		}
	}
	return nil
}

// validToken refuses what NATS would not take as one token of a subject
// or as a stream's name: empty, with a space, a wildcard, a separator.
// whole, when set, is the whole value the token came from, for the message.
func validToken(flag, tok, whole string) error {
	if whole == "" {
		whole = tok
	}
	if tok == "" || strings.ContainsAny(tok, " \t\r\n*>/\\") || whole == tok && strings.Contains(tok, ".") {
		return fmt.Errorf("%s: %q is not a NATS name: no spaces, '*', '>', '/' or '\\', and dots only between the tokens of a prefix", flag, whole)
	}
	return nil
}

// validURL checks one NATS URL: a known scheme, and TLS unless the host
// is loopback or plaintext was allowed.
func (r *relayConfig) validURL(raw string, insecurePlaintext bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--nats: want URLs such as nats://host:4222 or tls://host:4222, got %q", redactURL(raw))
	}
	switch u.Scheme {
	case "tls", "wss":
		return nil
	case "nats", "ws":
	default:
		return fmt.Errorf("--nats: scheme %q: want nats, tls, ws or wss", u.Scheme)
	}
	if r.ca != "" || insecurePlaintext {
		return nil // --nats-ca makes nats.go require TLS
	}
	if ip := net.ParseIP(u.Hostname()); strings.EqualFold(u.Hostname(), "localhost") || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--nats %s is not a loopback address, and plaintext there lets anyone on the network read the feed: "+
		"use tls://, or --nats-ca, or accept the risk with --insecure-plaintext", redactURL(raw))
}

// redactURL hides a password or token in a NATS URL before it is shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable URL)"
		}
		return raw
	}
	u.User = url.User("xxxxx")
	return u.String()
}

// natsOptions are the connection options the flags ask for. The files
// are checked here, so that a wrong path stops loand relay before it
// opens the database; nats.go reads them again at each connection, so a
// renewed credentials file is picked up by the next one.
func (r *relayConfig) natsOptions() ([]nats.Option, error) {
	opts := []nats.Option{nats.Name("loand relay")}
	if r.creds != "" {
		if _, err := os.Stat(r.creds); err != nil {
			return nil, fmt.Errorf("--nats-creds: %w", err)
		}
		opts = append(opts, nats.UserCredentials(r.creds))
	}
	if r.ca != "" {
		if _, err := os.Stat(r.ca); err != nil {
			return nil, fmt.Errorf("--nats-ca: %w", err)
		}
		opts = append(opts, nats.RootCAs(r.ca))
	}
	return opts, nil
}

// startRelay runs loand relay with a configuration parseConfig accepted:
// it opens (and so migrates) the database as serve does, then publishes
// the feed until SIGTERM or Interrupt. The database failing to open stops
// it, as it stops serve; once it runs, failures of NATS or of the
// database are logged and retried, so that it can be left running.
func startRelay(cfg config, stderr io.Writer) error {
	if cfg.relay.nats == "" {
		return refuse(errors.New("loand relay needs --nats (or LOANCORE_NATS): the NATS server to publish to"), "nats")
	}
	if cfg.setGCPercent {
		debug.SetGCPercent(cfg.gcPercent)
	}
	log := newLogger(cfg, stderr)
	opts, err := cfg.relay.natsOptions()
	if err != nil {
		return err
	}
	if cfg.pprof != "" {
		go servePprof(cfg.pprof, log)
	}
	db, closeDB, err := openDatabase(cfg.database, nil, log)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	feed := servicing.NewFeed(servicing.NewFeedParams{Store: db, Logger: log})
	// The relay runs the sequencer itself rather than count on a serving
	// loand: on PostgreSQL nothing reaches the feed without one, and
	// passes are serialized by an advisory lock, so several are safe.
	sequenced := make(chan struct{})
	go func() { defer close(sequenced); feed.Run(ctx) }()
	r := relay.New(relay.Params{Feed: feed, URL: cfg.relay.nats, Options: opts, Stream: cfg.relay.stream,
		SubjectPrefix: cfg.relay.subjectPrefix, Body: cfg.relay.bodyEncoding, Window: cfg.relay.window, Logger: log})
	log.Info("loand relay starting", "nats", redactURLs(cfg.relay.nats), "stream", cfg.relay.stream,
		"subjects", cfg.relay.subjectPrefix+".>", "body", cfg.relay.body)
	err = r.Run(ctx)
	<-sequenced
	log.Info("loand relay stopped", "published_position", r.Published())
	return err
}

// redactURLs is redactURL for a comma-separated list.
func redactURLs(list string) string {
	urls := strings.Split(list, ",")
	for i, u := range urls {
		urls[i] = redactURL(strings.TrimSpace(u))
	}
	return strings.Join(urls, ",")
}
