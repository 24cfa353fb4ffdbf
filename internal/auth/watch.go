package auth

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"
)

// ReloadEvery is how often loand looks at the JWKS and API keys files for
// a change: a revoked key stops working within about this long.
const ReloadEvery = time.Second

// LoadAndWatch reads the file at path and hands it to load, returning
// load's error (a startup error: the file must be right when the server
// starts). Then, until ctx is done, it reads the file every interval and
// hands it to load again whenever its content changed; a file that cannot
// be read or that load refuses is reported to onError, and whatever load
// last accepted stays in force.
//
// It polls rather than waiting for file-system events (fsnotify): a read
// of a small file each second costs nothing, and polling sees every way a
// file changes — written in place, renamed over, a Kubernetes secret's
// symlink swapped, a network file system without inotify — with no extra
// dependency and no watch on a directory that may itself be replaced.
func LoadAndWatch(ctx context.Context, path string, interval time.Duration, load func([]byte) error, onError func(error)) error {
	last, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := load(last); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			data, err := os.ReadFile(path)
			switch {
			case err != nil:
				onError(err)
			case bytes.Equal(data, last):
			default:
				if err := load(data); err != nil {
					onError(fmt.Errorf("%s: %w; the previous content stays in force", path, err))
				}
				// A refused content is not tried again until it changes.
				last = data
			}
		}
	}()
	return nil
}
