package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/loancore/loancore/internal/servicing"
)

// Params configure New.
type Params struct {
	// Feed is the event feed to publish; its sequencer must run (Feed.Run)
	// for a PostgreSQL store.
	Feed *servicing.Feed
	// URL is the NATS server's URL, or several separated by commas.
	URL string
	// Options are nats.go's connection options (TLS, credentials, a name).
	Options []nats.Option
	// Stream is the JetStream stream's name: created if missing, used as
	// it is otherwise.
	Stream string
	// SubjectPrefix starts every subject; a created stream takes
	// SubjectPrefix.>.
	SubjectPrefix string
	// Body is how each event is encoded: BodyProtobuf (the zero value) or
	// BodyJSON.
	Body Body
	// Window is how many messages may wait for their acknowledgement at
	// once; 0 means DefaultWindow.
	Window int
	// Logger receives the relay's sessions and failures; nil means
	// slog.Default().
	Logger *slog.Logger
}

// The stream and subject prefix of loand relay's flags by default.
const (
	DefaultStream        = "LOANCORE_EVENTS"
	DefaultSubjectPrefix = "loancore.events"
)

// DefaultWindow is how many publishes a relay keeps in flight by default:
// enough to hide the round trip to the server (see docs/operations.md for
// what it buys), few enough that a failure wastes little.
const DefaultWindow = 256

// DuplicateWindow is the deduplication window of a stream the relay
// creates: how long JetStream remembers a message id. It outlasts a crash
// and a restart of the relay by far, and is short enough that the ids the
// server keeps (one per message of the window) stay few at loancore's
// rates.
const DuplicateWindow = 15 * time.Minute

// ackTimeout is how long a publish waits for its acknowledgement before
// the session fails.
const ackTimeout = 10 * time.Second

// Backoff between sessions: doubled after each failure, from minBackoff
// to maxBackoff, and back to minBackoff after a session that published.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Relay publishes the feed to a JetStream stream.
type Relay struct {
	p   Params
	log *slog.Logger
	// published is the position of the last event the stream is known to
	// hold.
	published atomic.Int64
	// backoff bounds, apart from the constants for the tests.
	minBackoff, maxBackoff time.Duration
}

// New returns a relay; Run runs it.
func New(p Params) *Relay {
	if p.Window <= 0 {
		p.Window = DefaultWindow
	}
	r := &Relay{p: p, log: p.Logger, minBackoff: minBackoff, maxBackoff: maxBackoff}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// Published is the position of the last event the stream is known to
// hold: what the relay resumed from or has been acknowledged since.
func (r *Relay) Published() int64 { return r.published.Load() }

// Run publishes the feed until ctx ends, and returns nil then. A failure
// of NATS or of the database is logged and ends the session; another
// starts after a backoff that grows while sessions publish nothing.
func (r *Relay) Run(ctx context.Context) error {
	wait := r.minBackoff
	for {
		before := r.Published()
		err := r.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if r.Published() > before {
			wait = r.minBackoff
		}
		// Jitter, so that relays that failed together do not retry
		// together.
		sleep := wait/2 + rand.N(wait/2+1)
		r.log.ErrorContext(ctx, "relay: failed; retrying", "error", err, "retry_in", sleep.String(), "published_position", r.Published())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(sleep):
		}
		wait = min(2*wait, r.maxBackoff)
	}
}

// session is one connection's work: it makes sure of the stream, finds
// where the stream ends and publishes the feed from there until
// something fails or ctx ends. It returns what failed.
func (r *Relay) session(ctx context.Context) error {
	// nats.go would reconnect and send what was buffered meanwhile; a
	// session ends with its connection instead, so that what it
	// published is read back from the stream before anything more.
	nc, err := nats.Connect(r.p.URL, append(r.p.Options, nats.NoReconnect())...)
	if err != nil {
		return fmt.Errorf("connecting to NATS: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(ackTimeout), jetstream.WithPublishAsyncMaxPending(r.p.Window+1))
	if err != nil {
		return err
	}
	stream, err := r.ensureStream(ctx, js)
	if err != nil {
		return err
	}
	after, seq, err := r.resumePoint(ctx, stream)
	if err != nil {
		return err
	}
	r.published.Store(after)
	r.log.InfoContext(ctx, "relay publishing", "stream", r.p.Stream, "after_position", after, "stream_sequence", seq,
		"server", nc.ConnectedUrlRedacted())
	// failed ends on a failure only, not with ctx: on SIGTERM the feed
	// stops being read but the acknowledgements in flight are still
	// awaited, so that the last position logged is what the stream holds.
	failed, fail := context.WithCancelCause(context.WithoutCancel(ctx))
	defer fail(nil)
	reading, stopReading := context.WithCancel(ctx)
	defer stopReading()
	defer context.AfterFunc(failed, stopReading)()
	// Closing the connection (the server went away) ends the session at
	// once, not at the next publish.
	nc.SetClosedHandler(func(*nats.Conn) { fail(errConnClosed) })
	pub := newPublisher(r, js, seq)
	acked := make(chan struct{})
	go func() { defer close(acked); pub.awaitAcks(failed, fail) }()
	err = r.p.Feed.Subscribe(reading, servicing.SubscribeParams{After: after}, func(item servicing.FeedItem) error {
		return pub.send(reading, item)
	})
	close(pub.acks)
	<-acked
	if cause := context.Cause(failed); cause != nil {
		return cause
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// errConnClosed ends a session whose NATS connection closed.
var errConnClosed = errors.New("the NATS connection closed")

// ensureStream returns the stream, created with the relay's settings if
// it does not exist (another relay may create it at the same time).
func (r *Relay) ensureStream(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, r.p.Stream)
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return s, err
	}
	s, err = js.CreateStream(ctx, StreamConfig(r.p.Stream, r.p.SubjectPrefix))
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return js.Stream(ctx, r.p.Stream)
	}
	if err != nil {
		return nil, fmt.Errorf("creating stream %s: %w", r.p.Stream, err)
	}
	r.log.InfoContext(ctx, "relay created the stream", "stream", r.p.Stream, "subjects", r.p.SubjectPrefix+".>",
		"duplicate_window", DuplicateWindow.String())
	return s, nil
}

// StreamConfig is the stream a relay creates when it finds none: every
// subject under the prefix, kept on disk, without limits (the feed is the
// history; an operator may set limits on the stream), and a
// deduplication window of DuplicateWindow.
func StreamConfig(name, subjectPrefix string) jetstream.StreamConfig {
	return jetstream.StreamConfig{Name: name, Description: "loancore's event feed, published by loand relay",
		Subjects: []string{subjectPrefix + ".>"}, Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy,
		Discard: jetstream.DiscardOld, Duplicates: DuplicateWindow}
}

// errLastMessageGone says the stream has had messages but its last one
// is gone, so nothing tells where the feed was published to.
var errLastMessageGone = errors.New("the stream's last message is gone (deleted, purged or expired): " +
	"nothing tells where publishing stopped, so the relay publishes nothing rather than guess; " +
	"delete the stream to publish the whole feed again")

// resumePoint reads where the stream ends: the feed position in its last
// message's header (0 for a stream that has never had a message) and the
// stream's last sequence, which the next message must expect.
func (r *Relay) resumePoint(ctx context.Context, stream jetstream.Stream) (after int64, seq uint64, err error) {
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reading stream %s: %w", r.p.Stream, err)
	}
	seq = info.State.LastSeq
	if seq == 0 {
		return 0, 0, nil
	}
	m, err := stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, 0, fmt.Errorf("stream %s, sequence %d: %w", r.p.Stream, seq, errLastMessageGone)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("reading the last message of stream %s: %w", r.p.Stream, err)
	}
	after, err = strconv.ParseInt(m.Header.Get(HeaderPosition), 10, 64)
	if err != nil || after <= 0 {
		return 0, 0, fmt.Errorf("stream %s, sequence %d: no feed position in its %s header (%q): "+
			"a message not published by loand relay; the relay publishes nothing after it", r.p.Stream, seq, HeaderPosition,
			m.Header.Get(HeaderPosition))
	}
	return after, seq, nil
}
