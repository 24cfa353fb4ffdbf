package grpcapi

import (
	"context"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// The most filters a subscription may name.
const (
	maxFeedKinds   = 64
	maxFeedLoanIDs = 100
	maxFeedLineIDs = 100
)

// feedLineKindBase is added to a CreditLineEventKind's number to make its
// FeedEventKind.
const feedLineKindBase = 200

// feedService implements loancore.v1.EventFeedService.
type feedService struct {
	loancorev1.UnimplementedEventFeedServiceServer
	feed *servicing.Feed
	// stopping ends every subscription when the server shuts down: a
	// subscription follows the feed for ever, and a graceful stop waits
	// for calls to end.
	stopping context.Context
}

// feedKinds maps the feed's kinds to the store's.
var feedKinds = func() map[loancorev1.FeedEventKind]string {
	m := map[loancorev1.FeedEventKind]string{
		loancorev1.FeedEventKind_FEED_EVENT_KIND_ACCRUAL:    store.FeedAccrual,
		loancorev1.FeedEventKind_FEED_EVENT_KIND_DUE_NOTICE: store.FeedNotice,
	}
	for kind, k := range eventKinds {
		m[loancorev1.FeedEventKind(k)] = kind
	}
	for kind, k := range lineEventKinds {
		m[loancorev1.FeedEventKind(feedLineKindBase+k)] = store.FeedLinePrefix + kind
	}
	return m
}()

// feedKindOf is the feed's kind of a store kind.
var feedKindOf = func() map[string]loancorev1.FeedEventKind {
	m := map[string]loancorev1.FeedEventKind{}
	for k, kind := range feedKinds {
		m[kind] = k
	}
	return m
}()

// SubscribeEvents implements loancore.v1.EventFeedService/SubscribeEvents.
func (s *feedService) SubscribeEvents(req *loancorev1.SubscribeEventsRequest, stream loancorev1.EventFeedService_SubscribeEventsServer) error {
	p, err := subscribeParams(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	stop := context.AfterFunc(s.stopping, cancel)
	defer stop()
	err = s.feed.Subscribe(ctx, p, func(item servicing.FeedItem) error {
		out := &loancorev1.SubscribeEventsResponse{CheckpointPosition: item.Checkpoint}
		if item.Entry != nil {
			out.Event = FeedEventToProto(*item.Entry)
		}
		return stream.Send(out)
	})
	if s.stopping.Err() != nil && stream.Context().Err() == nil {
		return errShuttingDown
	}
	return err
}

// subscribeParams checks a subscription's filters.
func subscribeParams(req *loancorev1.SubscribeEventsRequest) (servicing.SubscribeParams, error) {
	var p parser
	out := servicing.SubscribeParams{After: req.GetAfterPosition(), LoanIDs: req.GetLoanIds(), CreditLineIDs: req.GetCreditLineIds(),
		StopAtHead: req.GetStopAtHead()}
	if out.After < 0 {
		p.add("after_position", "must not be negative")
	}
	if n := len(req.GetKinds()); n > maxFeedKinds {
		p.add("kinds", "%d kinds; at most %d", n, maxFeedKinds)
	}
	if n := len(out.LoanIDs); n > maxFeedLoanIDs {
		p.add("loan_ids", "%d loan ids; at most %d", n, maxFeedLoanIDs)
	}
	if n := len(out.CreditLineIDs); n > maxFeedLineIDs {
		p.add("credit_line_ids", "%d credit line ids; at most %d", n, maxFeedLineIDs)
	}
	for _, k := range req.GetKinds() {
		kind, ok := feedKinds[k]
		if !ok {
			p.enumUnknown("kinds", int32(k))
			break
		}
		out.Kinds = append(out.Kinds, kind)
	}
	return out, p.err("", nil)
}

// FeedEventToProto renders a feed entry: for SubscribeEvents and for loand
// relay, which publishes the same messages.
func FeedEventToProto(e store.FeedEntry) *loancorev1.FeedEvent {
	cur := currencyOf(e.Currency)
	out := &loancorev1.FeedEvent{Position: e.Position, EventId: servicing.FeedEventID(e), LoanId: e.LoanID,
		Kind: feedKindOf[e.Kind], RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano), Currency: e.Currency,
		CreditLineId: e.CreditLineID}
	switch {
	case e.Event != nil:
		ev := eventToProto(*e.Event, cur)
		out.ValueDate, out.RequestId, out.Actor, out.Amount = ev.ValueDate, ev.RequestId, ev.Actor, ev.Amount
		out.Detail = &loancorev1.FeedEvent_LoanEvent{LoanEvent: ev}
	case e.Accrual != nil:
		a := e.Accrual
		d := a.BusinessDate.String()
		out.ValueDate, out.RequestId, out.Actor, out.Amount = d, "cob:"+d, servicing.CloseOfBusinessActor, (a.Penalty + a.Compound).Format(cur)
		out.Detail = &loancorev1.FeedEvent_Accrual{Accrual: &loancorev1.AccrualLine{BusinessDate: d,
			Penalty: a.Penalty.Format(cur), Compound: a.Compound.Format(cur), Fees: a.Fees.Format(cur)}}
	case e.Notice != nil:
		n := noticeToProto(*e.Notice)
		out.ValueDate, out.RequestId, out.Actor, out.Amount = n.NoticeDate, "cob:"+n.NoticeDate, servicing.CloseOfBusinessActor, n.Amount
		out.Detail = &loancorev1.FeedEvent_Notice{Notice: n}
	case e.LineEvent != nil:
		ev := lineEventToProto(*e.LineEvent, cur)
		out.ValueDate, out.RequestId, out.Actor, out.Amount = ev.ValueDate, ev.RequestId, ev.Actor, ev.Amount
		out.Detail = &loancorev1.FeedEvent_CreditLineEvent{CreditLineEvent: ev}
	}
	return out
}
