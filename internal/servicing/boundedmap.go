package servicing

import "sync"

// boundedMap is a map safe for concurrent use that holds at most limit
// entries: a new key past the limit evicts an arbitrary one. It serves
// the process's caches and memos (the log cache, the read cache, old
// loans' APRs), for each of which a miss only costs the work again, so
// no eviction order is worth its bookkeeping.
type boundedMap[K comparable, V any] struct {
	mu    sync.Mutex
	m     map[K]V
	limit int
}

func newBoundedMap[K comparable, V any](limit int) *boundedMap[K, V] {
	return &boundedMap[K, V]{m: make(map[K]V), limit: limit}
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[k]
	return v, ok
}

// put keeps v under k unless an entry is there that keep says to keep.
// keep may be nil.
func (b *boundedMap[K, V]) put(k K, v V, keep func(old V) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.m[k]
	if ok && keep != nil && keep(old) {
		return
	}
	if !ok && len(b.m) >= b.limit {
		for other := range b.m {
			delete(b.m, other)
			break
		}
	}
	b.m[k] = v
}

// update replaces k's entry, if there is one, by what change makes of
// it, when change says so.
func (b *boundedMap[K, V]) update(k K, change func(old V) (V, bool)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.m[k]; ok {
		if v, ok := change(old); ok {
			b.m[k] = v
		}
	}
}

func (b *boundedMap[K, V]) drop(k K) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, k)
}
