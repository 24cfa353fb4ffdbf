//go:build !unix

package sqlite

import "errors"

// walIndex is not mapped here: the marker is PRAGMA data_version alone.
type walIndex struct{}

// walHeaderWords is the two copies of the header, in 32-bit words.
const walHeaderWords = 24

func openWALIndex(string) (*walIndex, error) {
	return nil, errors.New("sqlite: the WAL index is not mapped on this platform")
}

func (w *walIndex) same(string) bool { return false }

func (w *walIndex) release() {}

func (w *walIndex) header(*[walHeaderWords / 2]uint32) bool { return false }
