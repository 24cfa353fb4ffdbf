//go:build !unix

package sqlite

import "errors"

// walIndex is not mapped here: the marker is PRAGMA data_version alone.
type walIndex struct{}

func openWALIndex(string) (*walIndex, error) {
	return nil, errors.New("sqlite: the WAL index is not mapped on this platform")
}

func (w *walIndex) same(string) bool { return false }

func (w *walIndex) release() {}

func (w *walIndex) header(*[12]uint32) bool { return false }
