package grpcapi

import (
	"hash/maphash"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/loancore/loancore/internal/auth"
)

// auditMemo keeps what audit lines render again and again from the same
// source: a principal's roles as a log value (boxing the slice costs an
// allocation a line) and a connection's peer address as text (net.TCPAddr's
// String costs three). Each is found by identity, the roles slice's first
// element and length, the address's pointer (gRPC hands every call of a
// connection the same one), so a hit is exactly what rendering again would
// give; a miss renders and takes the slot. A few slots, so that it stays
// small whatever the number of callers and connections, and lock free.
type auditMemo struct {
	roleSlots [auditMemoSlots]atomic.Pointer[memoEntry[rolesKey, slog.Value]]
	peerSlots [auditMemoSlots]atomic.Pointer[memoEntry[*net.TCPAddr, string]]
}

// auditMemoSlots is how many principals and connections auditMemo keeps
// at once (each in the slot its hash picks, the last one there).
const auditMemoSlots = 16

// memoEntry is one slot's source and what it rendered.
type memoEntry[K comparable, V any] struct {
	key K
	v   V
}

// rolesKey names a roles slice by identity.
type rolesKey struct {
	first *string
	n     int
}

// memoSeed hashes subjects to roles slots.
var memoSeed = maphash.MakeSeed()

// roles is p.Roles as the audit line's value, slog.AnyValue(p.Roles).
func (m *auditMemo) roles(p auth.Principal) slog.Value {
	if len(p.Roles) == 0 {
		return slog.AnyValue(p.Roles)
	}
	key := rolesKey{&p.Roles[0], len(p.Roles)}
	slot := &m.roleSlots[maphash.String(memoSeed, p.Subject)%auditMemoSlots]
	if e := slot.Load(); e != nil && e.key == key {
		return e.v
	}
	v := slog.AnyValue(p.Roles)
	slot.Store(&memoEntry[rolesKey, slog.Value]{key, v})
	return v
}

// peer is addr.String(), remembered for TCP addresses.
func (m *auditMemo) peer(addr net.Addr) string {
	a, ok := addr.(*net.TCPAddr)
	if !ok || a == nil {
		return addr.String()
	}
	slot := &m.peerSlots[uint(a.Port)%auditMemoSlots]
	if e := slot.Load(); e != nil && e.key == a {
		return e.v
	}
	s := a.String()
	slot.Store(&memoEntry[*net.TCPAddr, string]{a, s})
	return s
}
