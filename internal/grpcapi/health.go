package grpcapi

import (
	"context"
	"log/slog"
	"strings"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// WatchDatabaseParams configure Server.WatchDatabase.
type WatchDatabaseParams struct {
	// Ping asks the database for something (a one-row query); an error
	// means calls that need it would fail.
	Ping func(context.Context) error
	// Every is how often to ping, and each ping's timeout; 0 means 5s.
	Every time.Duration
	// Logger receives the transitions; nil means slog.Default().
	Logger *slog.Logger
}

// WatchDatabase makes the health service tell the truth about the
// database until ctx ends: while a ping fails, the empty service name
// and every service that needs the database report NOT_SERVING, so a
// balancer sends calls to a loand that can answer them; when it answers
// again they report SERVING. ScheduleService computes without the
// database and stays SERVING, as does the health service itself. Each
// change is logged once. After Shutdown the health server ignores these
// updates: a stopping loand stays NOT_SERVING.
func (s *Server) WatchDatabase(ctx context.Context, p WatchDatabaseParams) {
	if p.Every <= 0 {
		p.Every = 5 * time.Second
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	var needDB []string
	for name := range s.GRPC.GetServiceInfo() {
		if strings.HasPrefix(name, "loancore.") && name != loancorev1.ScheduleService_ServiceDesc.ServiceName {
			needDB = append(needDB, name)
		}
	}
	needDB = append(needDB, "") // the server as a whole
	serving := true
	tick := time.NewTicker(p.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, p.Every)
		err := p.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if up := err == nil; up != serving {
			serving = up
			st := healthpb.HealthCheckResponse_SERVING
			if up {
				log.InfoContext(ctx, "database reachable again: health SERVING")
			} else {
				st = healthpb.HealthCheckResponse_NOT_SERVING
				log.WarnContext(ctx, "database unreachable: health NOT_SERVING", "error", err)
			}
			for _, name := range needDB {
				s.Health.SetServingStatus(name, st)
			}
		}
	}
}
