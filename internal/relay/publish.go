package relay

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
)

// The headers of every message, beside Nats-Msg-Id (the event's id).
const (
	// HeaderPosition is the event's feed position, in decimal: what a
	// relay resumes after, and what a consumer may store.
	HeaderPosition = "Loancore-Position"
	// HeaderKind is the event's kind as the enum names it
	// (FEED_EVENT_KIND_REPAYMENT).
	HeaderKind = "Loancore-Kind"
	// HeaderLoanID is the loan's id (for a credit line event, the loan it
	// names; absent when it names none). It is a header, not part of the
	// subject, because a loan id may hold '.', NATS's token separator.
	HeaderLoanID = "Loancore-Loan-Id"
	// HeaderCreditLineID is a credit line event's line id; absent for the
	// other events. A header for the same reason.
	HeaderCreditLineID = "Loancore-Credit-Line-Id"
	// HeaderContentType says how the body is encoded: ContentTypeProtobuf
	// or ContentTypeJSON.
	HeaderContentType = "Content-Type"
)

// Body is how a message's body encodes its event.
type Body int

// The encodings of a body.
const (
	// BodyProtobuf is loancore.v1.FeedEvent in protobuf's binary format,
	// which every client decodes with the types generated from the proto.
	BodyProtobuf Body = iota
	// BodyJSON is loancore.v1.FeedEvent in protobuf's JSON mapping (as
	// grpcurl prints it: camelCase names, int64 as strings).
	BodyJSON
)

// The content types of the bodies.
const (
	ContentTypeProtobuf = "application/protobuf; proto=loancore.v1.FeedEvent"
	ContentTypeJSON     = "application/json; proto=loancore.v1.FeedEvent"
)

// kindPrefix starts every FeedEventKind's name; subjects leave it out.
const kindPrefix = "FEED_EVENT_KIND_"

// Subject is the subject of events of a kind under a prefix: the prefix
// and the kind in lower case (loancore.events.repayment). Never the loan
// id: it may hold '.', NATS's token separator.
func Subject(prefix string, kind loancorev1.FeedEventKind) string {
	return prefix + "." + strings.ToLower(strings.TrimPrefix(kind.String(), kindPrefix))
}

// message renders an event as the message the relay publishes.
func (r *Relay) message(ev *loancorev1.FeedEvent) (*nats.Msg, error) {
	var body []byte
	var err error
	contentType := ContentTypeProtobuf
	if r.p.Body == BodyJSON {
		body, err = protojson.Marshal(ev)
		contentType = ContentTypeJSON
	} else {
		body, err = proto.Marshal(ev)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", ev.GetEventId(), err)
	}
	m := nats.NewMsg(Subject(r.p.SubjectPrefix, ev.GetKind()))
	m.Data = body
	m.Header.Set(HeaderPosition, strconv.FormatInt(ev.GetPosition(), 10))
	m.Header.Set(HeaderKind, ev.GetKind().String())
	if id := ev.GetLoanId(); id != "" {
		m.Header.Set(HeaderLoanID, id)
	}
	if id := ev.GetCreditLineId(); id != "" {
		m.Header.Set(HeaderCreditLineID, id)
	}
	m.Header.Set(HeaderContentType, contentType)
	return m, nil
}

// publisher publishes one session's messages, each expecting the stream
// sequence the previous one was to get.
type publisher struct {
	relay *Relay
	js    jetstream.JetStream
	// seq is the stream sequence of the last message published: the
	// stream's last at the start, one more for every message since.
	seq uint64
	// slots holds a token per publish awaiting its acknowledgement; its
	// capacity is the window.
	slots chan struct{}
	// acks carries the publishes in flight, in order, to awaitAcks; as
	// large as the window, so sending on it never waits.
	acks chan pendingAck
}

// newPublisher returns the publisher of a session whose stream ends at
// sequence seq.
func newPublisher(r *Relay, js jetstream.JetStream, seq uint64) *publisher {
	return &publisher{relay: r, js: js, seq: seq, slots: make(chan struct{}, r.p.Window), acks: make(chan pendingAck, r.p.Window)}
}

// pendingAck is one publish waiting for its acknowledgement.
type pendingAck struct {
	future   jetstream.PubAckFuture
	position int64
	seq      uint64
	eventID  string
}

// send publishes an item's event, expecting the stream's last sequence to
// be the previous message's, and waits while the window is full. A
// checkpoint without an event publishes nothing.
func (p *publisher) send(ctx context.Context, item servicing.FeedItem) error {
	if item.Entry == nil {
		return nil
	}
	ev := grpcapi.FeedEventToProto(*item.Entry)
	m, err := p.relay.message(ev)
	if err != nil {
		return err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	f, err := p.js.PublishMsgAsync(m, jetstream.WithMsgID(ev.GetEventId()), jetstream.WithExpectLastSequence(p.seq))
	if err != nil {
		<-p.slots
		return fmt.Errorf("publishing event %s: %w", ev.GetEventId(), err)
	}
	p.seq++
	p.acks <- pendingAck{future: f, position: ev.GetPosition(), seq: p.seq, eventID: ev.GetEventId()}
	return nil
}

// awaitAcks takes the acknowledgements in publishing order until acks is
// closed, recording each position the stream holds; at the first failure
// it ends the session (cancel), after which every later publish of the
// window fails too, since it expects a sequence the stream never reached.
func (p *publisher) awaitAcks(ctx context.Context, cancel context.CancelCauseFunc) {
	failed := false
	for a := range p.acks {
		if !failed { // once failed, the rest is drained unawaited
			if err := p.await(ctx, a); err != nil {
				cancel(err)
				failed = true
			} else {
				p.relay.published.Store(a.position)
			}
		}
		<-p.slots
	}
}

// await waits for one acknowledgement and checks that the message is
// stored where the session expected it, as a new message.
func (p *publisher) await(ctx context.Context, a pendingAck) error {
	select {
	case ack := <-a.future.Ok():
		switch {
		case ack.Duplicate:
			// Another publisher stored this event first: this session's
			// sequences no longer hold.
			return fmt.Errorf("event %s (position %d) was in stream %s already, at sequence %d: is another relay publishing?",
				a.eventID, a.position, ack.Stream, ack.Sequence)
		case ack.Sequence != a.seq:
			return fmt.Errorf("event %s stored at sequence %d of stream %s, expected %d", a.eventID, ack.Sequence, ack.Stream, a.seq)
		}
		return nil
	case err := <-a.future.Err():
		return fmt.Errorf("publishing event %s (position %d): %w", a.eventID, a.position, err)
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
