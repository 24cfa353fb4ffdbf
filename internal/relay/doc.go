// Package relay publishes loancore's event feed to a NATS JetStream
// stream, for the teams that would rather consume a stream than hold a
// gRPC subscription: loand relay runs it.
//
// Each feed event becomes one message whose body is the event as
// loancore.v1.FeedEvent (what SubscribeEvents sends), whose subject is a
// prefix and the event's kind, and whose Nats-Msg-Id is the event's id,
// so JetStream drops a message it already holds.
//
// The stream is the relay's only memory. A session (one NATS connection)
// reads the stream's last message, takes the feed position from its
// header and subscribes to the feed after it. It publishes a bounded
// window ahead of the acknowledgements, and every message expects the
// stream's last sequence to be the one the previous message of the
// session was given (Nats-Expected-Last-Sequence). So the message at
// stream sequence S+k can only be the k-th event after the resume point:
// a message lost in flight makes every later one of the window fail
// instead of leaving a gap, and the next session resumes after the last
// message stored. Any failure, of NATS or of the database, ends the
// session; the relay starts another after a backoff, for as long as its
// context lasts.
package relay
