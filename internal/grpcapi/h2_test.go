package grpcapi_test

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2conn is a bare HTTP/2 connection to a gRPC server: what a client that
// ignores gRPC's manners (the server's stream limit, its ping policy)
// sends, frame by frame, and what the server answers.
type h2conn struct {
	t        *testing.T
	c        net.Conn
	fr       *http2.Framer
	settings map[http2.SettingID]uint32
	hbuf     bytes.Buffer
	enc      *hpack.Encoder
}

// dialH2 connects to addr over plaintext HTTP/2 and exchanges settings.
// Every read and write must be done within 30 seconds: a server that
// stops answering fails the test instead of hanging it.
func dialH2(t *testing.T, addr string) *h2conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	h := &h2conn{t: t, c: c, fr: http2.NewFramer(c, c), settings: map[http2.SettingID]uint32{}}
	h.enc = hpack.NewEncoder(&h.hbuf)
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	h.check(h.fr.WriteSettings())
	for {
		f := h.next()
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			h.check(sf.ForeachSetting(func(s http2.Setting) error { h.settings[s.ID] = s.Val; return nil }))
			h.check(h.fr.WriteSettingsAck())
			return h
		}
	}
}

// check fails the test on a write error.
func (h *h2conn) check(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

// next reads the next frame, failing the test if there is none.
func (h *h2conn) next() http2.Frame {
	h.t.Helper()
	f, err := h.fr.ReadFrame()
	if err != nil {
		h.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

// open opens stream id as a call of method: its headers and no message,
// so that the server's handler waits for one and the stream stays open.
func (h *h2conn) open(id uint32, method string) {
	h.t.Helper()
	h.hbuf.Reset()
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: method}, {Name: ":authority", Value: "localhost"},
		{Name: "content-type", Value: "application/grpc"}, {Name: "te", Value: "trailers"}} {
		h.check(h.enc.WriteField(f))
	}
	h.check(h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: h.hbuf.Bytes(), EndHeaders: true}))
}

// goAway is a GOAWAY frame's code and debug data.
type goAway struct {
	code  http2.ErrCode
	debug string
}

// pingUntilAcked sends a PING and reads until its ACK, returning the
// GOAWAY the server sent first, if it sent one.
func (h *h2conn) pingUntilAcked(data [8]byte) *goAway {
	h.t.Helper()
	h.check(h.fr.WritePing(false, data))
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			h.t.Fatalf("waiting for the ack of ping %x: %v", data, err)
		}
		switch f := f.(type) {
		case *http2.GoAwayFrame:
			return &goAway{f.ErrCode, string(f.DebugData())}
		case *http2.PingFrame:
			if f.IsAck() && f.Data == data {
				return nil
			}
		}
	}
}

// waitGoAway reads until a GOAWAY and returns it; the connection closing
// first fails the test.
func (h *h2conn) waitGoAway() goAway {
	h.t.Helper()
	for {
		if f, ok := h.next().(*http2.GoAwayFrame); ok {
			return goAway{f.ErrCode, string(f.DebugData())}
		}
	}
}

// closed reports whether the server has closed the connection: a read
// that ends in EOF or a reset, rather than in the test's own deadline.
func closed(err error) bool {
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}
