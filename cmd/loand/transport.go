package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/loancore/loancore/internal/tlsreload"
)

// loadTLS reads the TLS files, if loand serves TLS: nil without
// --tls-cert. A file it cannot serve stops loand before it opens the
// database.
func loadTLS(t transportConfig, log *slog.Logger) (*tlsreload.Reloader, error) {
	if t.tlsCert == "" {
		return nil, nil
	}
	certs, err := tlsreload.New(tlsreload.Files{Cert: t.tlsCert, Key: t.tlsKey, ClientCA: t.clientCA}, log)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert, --tls-key, --client-ca: %w", err)
	}
	return certs, nil
}

// transportName is how loand serves, for its "loand serving" line.
func (t transportConfig) transportName() string {
	switch {
	case t.clientCA != "":
		return "mutual TLS"
	case t.tlsCert != "":
		return "TLS"
	}
	return "plaintext"
}

// openListener listens on --listen and, when that is plaintext, checks the
// address it got: validation refused every address but loopback ones
// unless --insecure-plaintext, but "localhost" is resolved only here, by
// the system, which could map it elsewhere. With --insecure-plaintext
// off loopback, it logs a warning that no operator should miss.
func openListener(cfg config, log *slog.Logger) (net.Listener, error) {
	lis, err := net.Listen("tcp", cfg.listen)
	if err != nil || cfg.transport.tlsCert != "" {
		return lis, err
	}
	if addr, ok := lis.Addr().(*net.TCPAddr); !ok || !addr.IP.IsLoopback() {
		if !cfg.transport.insecurePlaintext {
			_ = lis.Close()
			return nil, fmt.Errorf("--listen %s resolved to %v, not a loopback address: serve TLS with --tls-cert and --tls-key, "+
				"or accept plaintext with --insecure-plaintext", cfg.listen, lis.Addr())
		}
		log.Warn("INSECURE: serving plaintext gRPC off loopback (--insecure-plaintext): anyone who can reach this address can read and forge calls",
			"listen", cfg.listen)
	}
	return lis, nil
}

// reloadTLS reloads certs when their files change and on SIGHUP, until
// ctx is done. SIGHUP is caught even without TLS (and logged), so that an
// operator's habitual SIGHUP never stops loand. A watch that cannot be
// set up is logged, and SIGHUP still reloads.
func reloadTLS(ctx context.Context, certs *tlsreload.Reloader, log *slog.Logger) {
	if certs != nil {
		if err := certs.Watch(ctx); err != nil {
			log.Error("TLS files are not watched: reload them with SIGHUP", "error", err.Error())
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if certs == nil {
					log.Info("SIGHUP: no TLS files to reload")
					continue
				}
				// A failure is logged, and the previous files served.
				_ = certs.Reload("SIGHUP")
			}
		}
	}()
}
