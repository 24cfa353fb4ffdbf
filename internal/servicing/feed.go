package servicing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// The event feed: everything recorded about loans — their events, the
// accrual journal and the notices — and credit lines' events, in one
// order, the store's positions.
// A Feed runs the store's sequencer (Run) and serves subscribers
// (Subscribe). It learns of new rows three ways: writes through the store
// Watch returns ring it at once; the sequencer looks anyway every poll
// interval, for what other loand processes wrote; and a subscriber that
// waits looks every poll interval too.

// Feed serves the event feed.
type Feed struct {
	store store.Feed
	poll  time.Duration
	// gap is the least time from one pass that a write woke to the next.
	gap time.Duration
	log *slog.Logger
	// written is signalled (without blocking) after each local write.
	written chan struct{}
	// fed is closed and replaced when the sequencer moves the head.
	mu   sync.Mutex
	fed  chan struct{}
	head int64
	// subs are the subscriptions being served, for Stats.
	subs map[*subscription]struct{}
	// sequencedAt (unix nanoseconds) and failures: the sequencer's last
	// successful pass and its failed ones, for Stats.
	sequencedAt atomic.Int64
	failures    atomic.Int64
}

// NewFeedParams configure NewFeed.
type NewFeedParams struct {
	Store store.Feed
	// Poll is how often the sequencer and waiting subscribers look for
	// rows written elsewhere; 0 means 200ms.
	Poll time.Duration
	// MinInterval is the least time between the starts of two passes that
	// writes wake: a write during it is sequenced when it ends, with every
	// other write made meanwhile, in one pass. Each pass is a transaction
	// in the database whatever it feeds, so one a write would cost the
	// database about as much as the writes themselves when they come
	// faster than passes end (docs/benchmarks.md, "The cold path"). 0
	// runs a pass as soon as a write asks for one.
	MinInterval time.Duration
	// Logger receives the sequencer's failures; nil means slog.Default().
	Logger *slog.Logger
}

// NewFeed returns the feed over a store.
func NewFeed(p NewFeedParams) *Feed {
	f := &Feed{store: p.Store, poll: p.Poll, gap: max(p.MinInterval, 0), log: p.Logger, written: make(chan struct{}, 1), fed: make(chan struct{}),
		subs: map[*subscription]struct{}{}}
	if f.poll <= 0 {
		f.poll = 200 * time.Millisecond
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	return f
}

// feedPage is how many entries a subscriber reads at a time.
const feedPage = 500

// checkpointEvery is the least time between two checkpoints sent alone.
const checkpointEvery = time.Second

// Wrote tells the feed that something was written, so the sequencer runs
// now rather than at its next poll.
func (f *Feed) Wrote() {
	select {
	case f.written <- struct{}{}:
	default:
	}
}

// Run sequences the feed until ctx ends: after the writes Wrote reports
// (at most one pass every MinInterval for them) and every poll interval.
// A failed pass is logged and tried again at the next.
func (f *Feed) Run(ctx context.Context) {
	tick := time.NewTicker(f.poll)
	defer tick.Stop()
	var failing bool
	var began time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.written:
			if !f.pause(ctx, began) {
				return
			}
		case <-tick.C:
		}
		began = time.Now()
		head, err := f.store.SequenceFeed(ctx, store.SequenceFeedParams{})
		if err != nil {
			f.failures.Add(1)
			if !failing && ctx.Err() == nil {
				f.log.ErrorContext(ctx, "event feed: sequencing failed; retrying", "error", err)
			}
			failing = true
			continue
		}
		if failing {
			f.log.InfoContext(ctx, "event feed: sequencing again", "head", head)
			failing = false
		}
		f.sequencedAt.Store(time.Now().UnixNano())
		f.advance(head)
	}
}

// pause waits until MinInterval has passed since the last pass began
// (false if ctx ended first), then takes the wake-ups that came meanwhile:
// Wrote is called after a write commits, so the pass about to begin sees
// every write that rang before it, and needs no pass of its own after.
func (f *Feed) pause(ctx context.Context, began time.Time) bool {
	if wait := f.gap - time.Since(began); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	select {
	case <-f.written:
	default:
	}
	return true
}

// advance records a new head and wakes the subscribers.
func (f *Feed) advance(head int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if head > f.head {
		f.head = head
		close(f.fed)
		f.fed = make(chan struct{})
	}
}

// wakeup is closed when the head next moves.
func (f *Feed) wakeup() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fed
}

// Head is the highest position the sequencer has reached in this
// process.
func (f *Feed) Head() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.head
}

// FeedStats is the feed as this process sees it, for metrics.
type FeedStats struct {
	// Head is Head().
	Head int64
	// SequencedAt is when the sequencer last completed a pass (zero
	// before its first); SequencerFailures counts its failed passes.
	SequencedAt       time.Time
	SequencerFailures int64
	// Subscribers is how many subscriptions this process serves;
	// MaxSubscriberLag the most positions any of them is behind Head (by
	// the last checkpoint it was sent), 0 with none.
	Subscribers      int
	MaxSubscriberLag int64
}

// Stats reports the feed's head, sequencer and subscribers.
func (f *Feed) Stats() FeedStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := FeedStats{Head: f.head, SequencerFailures: f.failures.Load(), Subscribers: len(f.subs)}
	if at := f.sequencedAt.Load(); at != 0 {
		st.SequencedAt = time.Unix(0, at)
	}
	for s := range f.subs {
		st.MaxSubscriberLag = max(st.MaxSubscriberLag, f.head-s.checkpointed.Load())
	}
	return st
}

// SubscribeParams are the inputs of Feed.Subscribe.
type SubscribeParams struct {
	// After is the last position the subscriber has processed.
	After int64
	// Kinds, LoanIDs and CreditLineIDs select entries (none: all): see
	// store.ReadFeedParams.
	Kinds         []string
	LoanIDs       []string
	CreditLineIDs []string
	// StopAtHead ends the subscription, without error, once everything
	// committed before it began has been sent.
	StopAtHead bool
}

// FeedItem is what Subscribe sends: an entry, or a checkpoint alone
// (Entry nil). Checkpoint is the position the subscriber may resume
// after: every selected entry at or below it has been sent.
type FeedItem struct {
	Entry      *store.FeedEntry
	Checkpoint int64
}

// Subscribe sends the entries after p.After, in position order, then
// follows the feed until ctx ends (or, with StopAtHead, until it is caught
// up), calling send for each; it stops at send's first error and returns
// it.
func (f *Feed) Subscribe(ctx context.Context, p SubscribeParams, send func(FeedItem) error) error {
	if p.After < 0 {
		inv := &engine.InvalidError{}
		inv.Add("after_position", "must not be negative")
		return inv
	}
	sub := &subscription{feed: f, p: p, send: send, stopAt: -1, sent: p.After}
	sub.checkpointed.Store(p.After)
	f.mu.Lock()
	f.subs[sub] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, sub)
		f.mu.Unlock()
	}()
	if p.StopAtHead {
		head, err := f.store.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true})
		if err != nil {
			return err
		}
		f.advance(head)
		sub.stopAt = head
	}
	return sub.run(ctx)
}

// subscription is one Subscribe call's state.
type subscription struct {
	feed *Feed
	p    SubscribeParams
	send func(FeedItem) error
	// stopAt is the head to stop at, or -1 to follow.
	stopAt int64
	// sent is the last checkpoint sent (with an entry or alone).
	sent   int64
	sentAt time.Time
	// checkpointed is sent, for Stats to read from another goroutine.
	checkpointed atomic.Int64
}

func (s *subscription) run(ctx context.Context) error {
	after := s.p.After
	for {
		wake := s.feed.wakeup()
		page, err := s.feed.store.ReadFeed(ctx, store.ReadFeedParams{After: after, Limit: feedPage, Kinds: s.p.Kinds, LoanIDs: s.p.LoanIDs,
			CreditLineIDs: s.p.CreditLineIDs})
		if err != nil {
			return err
		}
		for i := range page.Entries {
			e := &page.Entries[i]
			if err := s.send(FeedItem{Entry: e, Checkpoint: e.Position}); err != nil {
				return err
			}
			after, s.sent, s.sentAt = e.Position, e.Position, time.Now()
			s.checkpointed.Store(e.Position)
		}
		after = max(after, page.Through)
		if len(page.Entries) == feedPage {
			continue
		}
		if err := s.checkpoint(after); err != nil {
			return err
		}
		if s.stopAt >= 0 && after >= s.stopAt {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-time.After(s.feed.poll):
		}
	}
}

// checkpoint sends through alone when the subscriber's resume point has
// moved past the last one sent (entries the filters skipped), at most
// once every checkpointEvery, and always at the end of a StopAtHead
// subscription.
func (s *subscription) checkpoint(through int64) error {
	if through <= s.sent {
		return nil
	}
	final := s.stopAt >= 0 && through >= s.stopAt
	if !final && time.Since(s.sentAt) < checkpointEvery {
		return nil
	}
	s.sent, s.sentAt = through, time.Now()
	s.checkpointed.Store(through)
	return s.send(FeedItem{Checkpoint: through})
}

// FeedEventID is an entry's stable id: "<loan_id>/<seq>" for a loan's
// event, "accrual/<business date>/<loan_id>" for a journal line,
// "notice/<notice_id>" for a notice, "credit_line/<credit_line_id>/<seq>"
// for a line's event.
func FeedEventID(e store.FeedEntry) string {
	switch {
	case e.Event != nil:
		return fmt.Sprintf("%s/%d", e.LoanID, e.Event.Seq)
	case e.Accrual != nil:
		return fmt.Sprintf("accrual/%s/%s", e.Accrual.BusinessDate, e.LoanID)
	case e.Notice != nil:
		return "notice/" + e.Notice.ID
	case e.LineEvent != nil:
		return fmt.Sprintf("credit_line/%s/%d", e.CreditLineID, e.LineEvent.Seq)
	}
	return ""
}

// Watch returns s, telling the feed of each write that adds rows to it
// (a loan, an event, a close of business batch).
func (f *Feed) Watch(s store.Store) store.Store { return &watchedStore{Store: s, feed: f} }

// watchedStore is a store.Store that rings the feed after its writes.
type watchedStore struct {
	store.Store
	feed *Feed
}

func (w *watchedStore) CreateLoan(ctx context.Context, p store.NewLoanRecord) error {
	err := w.Store.CreateLoan(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}

func (w *watchedStore) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	err := w.Store.AppendEvent(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}

func (w *watchedStore) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	err := w.Store.SavePositions(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}

// OpenCreditLine writes a line's OPENED event, which is on the feed.
func (w *watchedStore) OpenCreditLine(ctx context.Context, p store.NewCreditLineRecord) error {
	err := w.Store.OpenCreditLine(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}

// AppendLineEvent writes a line's event (a freeze, a new limit …), which
// is on the feed.
func (w *watchedStore) AppendLineEvent(ctx context.Context, p store.AppendLineEventParams) error {
	err := w.Store.AppendLineEvent(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}

// Drawdown books a loan and writes the line's DRAWDOWN, all on the feed.
func (w *watchedStore) Drawdown(ctx context.Context, p store.DrawdownRecord) error {
	err := w.Store.Drawdown(ctx, p)
	if err == nil {
		w.feed.Wrote()
	}
	return err
}
