package tlsreload

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long Watch waits after the last change in the files'
// directories before it reloads: a tool that replaces the certificate and
// then the key is done by then, so the pair is read once, whole, instead
// of a certificate with the previous key (an error in the log) first.
const settle = 250 * time.Millisecond

// Watch reloads the files when their directories change, until ctx is
// done. It watches the directories rather than the files because editors,
// deployment tools and Kubernetes replace a file by renaming another over
// it (Kubernetes swaps a symlink to a directory beside the files): a watch
// on the file itself would follow the old one, and go silent. A change
// that leaves the files' bytes as they are is ignored. Watch returns once
// the directories are watched, having reloaded once in case the files
// changed since New; a file behind a symlink into another directory is
// not seen to change, and needs Reload (SIGHUP in loand).
func (r *Reloader) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching the TLS files: %w", err)
	}
	for _, dir := range r.dirs() {
		if err := w.Add(dir); err != nil {
			_ = w.Close()
			return fmt.Errorf("watching %s: %w", dir, err)
		}
	}
	_ = r.reload("file change", false)
	go r.watch(ctx, w)
	return nil
}

// dirs are the directories of the files, each once.
func (r *Reloader) dirs() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, f := range []string{r.files.Cert, r.files.Key, r.files.ClientCA} {
		if d := filepath.Dir(f); f != "" && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// watch reloads once the directories have been quiet for settle after a
// change, until ctx is done. Any event in them counts, not only events
// naming the files: Kubernetes' updates name only its ..data link.
func (r *Reloader) watch(ctx context.Context, w *fsnotify.Watcher) {
	defer w.Close()
	var quiet *time.Timer
	var settled <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-w.Events:
			if !ok {
				return
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			// An overflow loses events: reload, which costs nothing if
			// the files did not change.
			r.log.Warn("watching the TLS files", "error", err.Error())
		case <-settled:
			settled = nil
			_ = r.reload("file change", false)
			continue
		}
		if quiet == nil {
			quiet = time.NewTimer(settle)
		} else {
			quiet.Reset(settle)
		}
		settled = quiet.C
	}
}
