//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walIndex is the start of a WAL-mode database's WAL index (its -shm
// file), mapped read-only, for the change marker. The WAL index's header
// is where a commit becomes visible: a writer in any process publishes
// its commit by rewriting the header, and a reader's transaction starts
// from the header it finds. So a header read twice and found equal means
// no commit became visible in between, which is what PRAGMA data_version
// tells, but without beginning and ending a read transaction (two fcntl
// locks on the -shm file, most of the PRAGMA's cost).
//
// The format is SQLite's documented WAL-index format
// (https://sqlite.org/walformat.html, §2.2 "The WAL-Index Header"): two
// copies of a 48-byte header at offset 0, in native byte order; a writer
// writes the second copy, then the first (wal.c, walIndexWriteHdr), and a
// reader reads the first, then the second, and trusts them only when
// equal (walIndexTryHdr). Every commit changes the header: iChange counts
// transactions, mxFrame the WAL's last frame, the salts change when the
// WAL restarts, and a checksum covers it all.
//
// POSIX record locks belong to the process and are all released when any
// descriptor of the file closes, so closing this file while a SQLite
// connection of this process has the -shm open would drop that
// connection's locks on it. The mapping is therefore shared by the Stores
// of this process on one file and its descriptor closed only when the
// last of them has closed its database (walIndexes).
type walIndex struct {
	key  walKey
	file *os.File
	// extra are other descriptors of the same file opened meanwhile,
	// closed with file.
	extra []*os.File
	mem   []byte
	refs  int
}

// walKey names a file by device and inode.
type walKey struct{ dev, ino uint64 }

// walIndexes are the mapped WAL indexes of this process.
// kept holds descriptors that could not be mapped: never closed (a rare
// failure), and referenced so that no finalizer closes them.
var walIndexes = struct {
	sync.Mutex
	m    map[walKey]*walIndex
	kept []*os.File
}{m: map[walKey]*walIndex{}}

// walHeaderWords is the two copies of the header, in 32-bit words.
const walHeaderWords = 24

// walIndexVersion is the header's iVersion (WALINDEX_MAX_VERSION).
const walIndexVersion = 3007000

// openWALIndex maps the WAL index of the database at dbPath, or shares
// the mapping this process has of it. A connection of the caller's must
// have the database open (so that the -shm file exists, is initialised,
// and is not truncated or removed while it stays open).
func openWALIndex(dbPath string) (*walIndex, error) {
	shm := dbPath + "-shm"
	fi, err := os.Stat(shm)
	if err != nil {
		return nil, err
	}
	walIndexes.Lock()
	defer walIndexes.Unlock()
	if w := walIndexes.m[keyOf(fi)]; w != nil {
		w.refs++
		return w, nil
	}
	f, err := os.Open(shm)
	if err != nil {
		return nil, err
	}
	// From here on f is never closed before every Store of the file has
	// closed (see walIndex), even when it cannot be used.
	fi, err = f.Stat()
	if err != nil || fi.Size() < walHeaderWords*4 {
		walIndexes.kept = append(walIndexes.kept, f)
		return nil, errors.Join(fmt.Errorf("sqlite: WAL index %s: too short or unreadable", shm), err)
	}
	w := &walIndex{key: keyOf(fi), file: f, refs: 1}
	if old := walIndexes.m[w.key]; old != nil {
		// Replaced between the two looks by a file already mapped: keep
		// this descriptor with that mapping, closed with it.
		old.refs++
		old.extra = append(old.extra, f)
		return old, nil
	}
	w.mem, err = syscall.Mmap(int(f.Fd()), 0, os.Getpagesize(), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		walIndexes.kept = append(walIndexes.kept, f)
		return nil, fmt.Errorf("sqlite: mapping the WAL index: %w", err)
	}
	walIndexes.m[w.key] = w
	return w, nil
}

func keyOf(fi os.FileInfo) walKey {
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil {
		return walKey{}
	}
	return walKey{dev: uint64(st.Dev), ino: uint64(st.Ino)} // their types vary by platform
}

// same reports whether dbPath's -shm file is still the one mapped.
func (w *walIndex) same(dbPath string) bool {
	fi, err := os.Stat(dbPath + "-shm")
	return err == nil && keyOf(fi) == w.key
}

// release drops a Store's share of the mapping, unmapping it and
// closing the file when it was the last; the Store's database is closed.
func (w *walIndex) release() {
	walIndexes.Lock()
	defer walIndexes.Unlock()
	if w.refs--; w.refs > 0 {
		return
	}
	delete(walIndexes.m, w.key)
	_ = syscall.Munmap(w.mem)
	_ = w.file.Close()
	for _, f := range w.extra {
		_ = f.Close()
	}
}

// header reads the header's first 48 bytes into h and reports whether
// they can be trusted: both copies equal, initialised, of the version
// known. Each word is read atomically, the first copy before the second.
func (w *walIndex) header(h *[walHeaderWords / 2]uint32) bool {
	var both [walHeaderWords]uint32
	base := unsafe.Pointer(unsafe.SliceData(w.mem))
	for i := range both {
		both[i] = atomic.LoadUint32((*uint32)(unsafe.Add(base, 4*i)))
	}
	copy(h[:], both[:walHeaderWords/2])
	isInit := (*[48]byte)(unsafe.Pointer(h))[12]
	return [walHeaderWords / 2]uint32(both[walHeaderWords/2:]) == *h && isInit != 0 && h[0] == walIndexVersion
}
