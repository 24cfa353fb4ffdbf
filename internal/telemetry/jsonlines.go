package telemetry

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// JSONHandler writes the lines slog.NewJSONHandler(w, nil) writes, byte
// for byte, for less: a record whose attributes are all strings,
// integers, booleans, durations or string slices (every audit line) is
// formatted here, straight into a pooled buffer; any other record is
// handed to slog's own handler on the same writer. An audit line is
// written before its call answers, so its formatting is on every call's
// path: under make bench-read slog's handler took ~2.8 µs of loand's CPU
// a GetLoan to format its line (it marshals the roles with encoding/json
// and walks every attribute through its general state), this one ~1.3.
//
// Each line is one Write, under a lock shared with the fallback handler,
// as slog's handler writes one.
type JSONHandler struct {
	out      *lockedWriter
	fallback slog.Handler
}

// lockedWriter makes each line one Write of its own, whichever of the two
// handlers formatted it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// NewJSONHandler returns a handler writing JSON lines to w, as
// slog.NewJSONHandler(w, nil) would.
func NewJSONHandler(w io.Writer) *JSONHandler {
	out := &lockedWriter{w: w}
	return &JSONHandler{out: out, fallback: slog.NewJSONHandler(out, nil)}
}

// Enabled implements slog.Handler: Info and above, as slog's default.
func (h *JSONHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.fallback.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler; the derived handler is slog's.
func (h *JSONHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.fallback.WithAttrs(attrs) }

// WithGroup implements slog.Handler; the derived handler is slog's.
func (h *JSONHandler) WithGroup(name string) slog.Handler { return h.fallback.WithGroup(name) }

// linePool holds line buffers; a line longer than maxPooledLine is not
// kept, so that one huge record does not pin its buffer.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledLine = 16 << 10

// Handle implements slog.Handler.
func (h *JSONHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := linePool.Get().(*[]byte)
	b, ok := appendLine((*bp)[:0], r)
	var err error
	if ok {
		_, err = h.out.Write(b)
	}
	if cap(b) <= maxPooledLine {
		*bp = b
		linePool.Put(bp)
	}
	if !ok {
		return h.fallback.Handle(ctx, r)
	}
	return err
}

// appendLine appends r as one JSON line: time (when set), level, message,
// then the attributes in order. It reports false, leaving the line
// unfinished, at the first thing it does not write as slog would: a year
// RFC 3339 cannot hold (slog writes an error beside it), an attribute
// with an empty key or of a kind appendValue does not write.
func appendLine(b []byte, r slog.Record) ([]byte, bool) {
	b = append(b, '{')
	if !r.Time.IsZero() {
		if y := r.Time.Year(); y < 0 || y >= 10000 {
			return b, false
		}
		b = append(b, `"time":`...)
		b = appendTime(b, r.Time.Round(0))
		b = append(b, ',')
	}
	b = append(b, `"level":`...)
	b = appendJSONString(b, r.Level.String(), false)
	b = append(b, `,"msg":`...)
	b = appendJSONString(b, r.Message, false)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		if ok = a.Key != ""; ok {
			b = append(b, ',')
			b = appendJSONString(b, a.Key, false)
			b = append(b, ':')
			b, ok = appendValue(b, a.Value)
		}
		return ok
	})
	return append(b, '}', '\n'), ok
}

// appendTime writes t as slog does: RFC 3339 with nanoseconds, quoted.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendValue writes v as slog's JSON handler does, if v is of a kind it
// writes without reflection: a string, an integer, a boolean, a duration
// or a string slice (which slog marshals with encoding/json); it reports
// false for any other.
func appendValue(b []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		return appendJSONString(b, v.String(), false), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10), true
	case slog.KindAny:
		if ss, ok := v.Any().([]string); ok {
			return appendStrings(b, ss), true
		}
	}
	return b, false
}

// appendStrings writes ss as encoding/json does.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s, true)
	}
	return append(b, ']')
}

// appendJSONString writes s quoted and escaped as slog does: quotes,
// backslashes and control characters escaped, invalid UTF-8 as U+FFFD,
// U+2028 and U+2029 escaped, HTML characters left alone. encoding/json
// (asJSONPackage) differs in one thing: it writes backspace and form feed
// as \b and \f, where slog writes \u0008 and \u000c.
func appendJSONString(b []byte, s string, asJSONPackage bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedByte(b, c, asJSONPackage)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainByte says which ASCII bytes a JSON string holds as they are: all
// but quotes, backslashes and control characters (DEL included, as slog).
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendEscapedByte writes an ASCII byte that JSON strings escape.
func appendEscapedByte(b []byte, c byte, asJSONPackage bool) []byte {
	switch {
	case c == '"' || c == '\\':
		return append(b, '\\', c)
	case c == '\n':
		return append(b, '\\', 'n')
	case c == '\r':
		return append(b, '\\', 'r')
	case c == '\t':
		return append(b, '\\', 't')
	case asJSONPackage && c == '\b':
		return append(b, '\\', 'b')
	case asJSONPackage && c == '\f':
		return append(b, '\\', 'f')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
