package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/telemetry"
)

// authConfig is who may call loand and what they may do: the JWT keys and
// claims, the API keys file, the policy and the audit log. Its flags are
// defined by defineAuthFlags and checked by newAuthentication, together,
// before loand opens its database.
type authConfig struct {
	jwksFile      string
	jwtPublicKey  string
	jwtIssuer     string
	jwtAudience   string
	jwtRolesClaim string
	jwtLeeway     time.Duration
	jwtCache      int
	apiKeysFile   string
	policyFile    string
	auditLog      string
	// flags is loand's whole flag set, for --client-ca: the transport
	// settings define it, and a client CA is authentication too (a
	// verified client certificate is an identity), so dev mode must not
	// start when one is set.
	flags *flag.FlagSet
}

// defineAuthFlags defines the authentication flags on fs.
func defineAuthFlags(fs *flag.FlagSet, a *authConfig) {
	a.flags = fs
	fs.StringVar(&a.jwksFile, "jwks-file", "", "accept JWTs signed by the keys of this JWK Set file (re-read when it changes)")
	fs.StringVar(&a.jwtPublicKey, "jwt-public-key", "", "accept JWTs signed by this PEM public key (RSA, EC P-256 or Ed25519) instead of a JWKS")
	fs.StringVar(&a.jwtIssuer, "jwt-issuer", "", "the iss a JWT must carry; required with --jwks-file or --jwt-public-key")
	fs.StringVar(&a.jwtAudience, "jwt-audience", "", "an aud a JWT must carry; required with --jwks-file or --jwt-public-key")
	fs.StringVar(&a.jwtRolesClaim, "jwt-roles-claim", "roles", "the JWT claim holding the caller's roles: an array of strings or a space-separated string")
	fs.DurationVar(&a.jwtLeeway, "jwt-leeway", auth.DefaultLeeway, "clock skew allowed when checking a JWT's exp, nbf and iat (at most 5m)")
	fs.IntVar(&a.jwtCache, "jwt-cache", auth.DefaultTokenCache, "how many verified JWTs to remember, so that a token sent again is not verified again (dropped when the JWKS is reloaded); 0 turns it off")
	fs.StringVar(&a.apiKeysFile, "api-keys-file", "", "accept the API keys of this file, made by loand apikey create (re-read when it changes)")
	fs.StringVar(&a.policyFile, "policy", "", "the policy file (YAML): roles and their RPCs; the built-in policy when not set")
	fs.StringVar(&a.auditLog, "audit-log", "", "append the audit lines (one JSON object per call) to this file instead of the log")
}

// authentication is what newAuthentication builds for serving: grpcapi's
// settings, and a function that stops the file watchers and closes the
// audit log.
type authentication struct {
	opts grpcapi.Options // Authenticator, Policy, Dev and Audit set
	// mode is how callers are authenticated, for the "loand serving"
	// line: "dev", or the credentials accepted ("jwt,apikey,mtls").
	mode  string
	close func()
}

// newAuthentication checks the authentication settings and builds them,
// reading the policy and the key files (a malformed one stops loand). With
// no JWT keys, no API keys file and no client CA, loand serves in dev mode
// (everyone is "dev", with every role) if it listens on a loopback
// address, and refuses to start on any other.
func newAuthentication(cfg config, log *slog.Logger, stderr io.Writer) (*authentication, error) {
	a := cfg.auth
	policy, err := loadPolicy(a.policyFile)
	if err != nil {
		return nil, err
	}
	audit, closeAudit, err := openAudit(a.auditLog, cfg.logFormat, stderr)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	out := &authentication{opts: grpcapi.Options{Policy: policy, Audit: audit}, close: func() { stop(); closeAudit() }}
	authn, modes, err := a.authenticator(ctx, policy, log)
	out.mode = strings.Join(modes, ",")
	if err == nil && authn == nil {
		err = devMode(cfg.listen, log)
		out.opts.Dev, out.mode = err == nil, auth.ViaDev
	}
	if err != nil {
		out.close()
		return nil, err
	}
	out.opts.Authenticator = authn
	return out, nil
}

// authenticator builds the authenticator of the configured credentials,
// loading (and from then on watching) their files, and names them (jwt,
// apikey, mtls); nil when none is configured.
func (a authConfig) authenticator(ctx context.Context, policy *auth.Policy, log *slog.Logger) (*auth.Authenticator, []string, error) {
	jwt, err := a.jwt(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	var modes []string
	if jwt != nil {
		modes = append(modes, auth.ViaJWT)
	}
	var keys *auth.APIKeys
	if a.apiKeysFile != "" {
		keys = &auth.APIKeys{}
		if err := auth.LoadAndWatch(ctx, a.apiKeysFile, auth.ReloadEvery, keys.Load, reloadFailed(log, "--api-keys-file")); err != nil {
			return nil, nil, fmt.Errorf("--api-keys-file: %w", err)
		}
		modes = append(modes, auth.ViaAPIKey)
	}
	if f := a.flags.Lookup("client-ca"); f != nil && f.Value.String() != "" {
		modes = append(modes, auth.ViaMTLS)
	}
	if len(modes) == 0 {
		return nil, nil, nil
	}
	// Certificate roles are always on: only a certificate TLS verified
	// against the client CA ever reaches them.
	return &auth.Authenticator{JWT: jwt, APIKeys: keys, CertificateRoles: policy.CertificateRoles}, modes, nil
}

// jwt builds the JWT verifier, nil when no JWT keys are configured.
func (a authConfig) jwt(ctx context.Context, log *slog.Logger) (*auth.JWT, error) {
	switch {
	case a.jwksFile != "" && a.jwtPublicKey != "":
		return nil, errors.New("--jwks-file and --jwt-public-key: set one, not both")
	case a.jwksFile == "" && a.jwtPublicKey == "":
		if a.jwtIssuer != "" || a.jwtAudience != "" {
			return nil, errors.New("--jwt-issuer and --jwt-audience need JWT keys: set --jwks-file or --jwt-public-key")
		}
		return nil, nil
	case a.jwtIssuer == "" || a.jwtAudience == "":
		return nil, errors.New("--jwt-issuer and --jwt-audience are both required with --jwks-file or --jwt-public-key")
	case a.jwtLeeway < 0 || a.jwtLeeway > 5*time.Minute:
		return nil, fmt.Errorf("--jwt-leeway: want 0 to 5m, got %s", a.jwtLeeway)
	case a.jwtCache < 0:
		return nil, fmt.Errorf("--jwt-cache: want 0 or more, got %d", a.jwtCache)
	}
	var keys auth.KeySource
	if a.jwtPublicKey != "" {
		data, err := os.ReadFile(a.jwtPublicKey)
		if err != nil {
			return nil, fmt.Errorf("--jwt-public-key: %w", err)
		}
		if keys, err = auth.ParsePublicKeyPEM(data); err != nil {
			return nil, fmt.Errorf("--jwt-public-key %s: %w", a.jwtPublicKey, err)
		}
	} else {
		set := &auth.JWKS{}
		if err := auth.LoadAndWatch(ctx, a.jwksFile, auth.ReloadEvery, set.Load, reloadFailed(log, "--jwks-file")); err != nil {
			return nil, fmt.Errorf("--jwks-file: %w", err)
		}
		keys = set
	}
	return auth.NewJWT(auth.JWTConfig{Issuer: a.jwtIssuer, Audience: a.jwtAudience, RolesClaim: a.jwtRolesClaim, Leeway: a.jwtLeeway,
		CacheSize: a.jwtCache}, keys)
}

// reloadFailed logs a key file that changed but could not be loaded; the
// keys loaded before stay in force.
func reloadFailed(log *slog.Logger, flag string) func(error) {
	return func(err error) { log.Error("reload failed", "flag", flag, "error", err) }
}

// loadPolicy reads the policy file, or the built-in policy without one,
// checked against the RPCs loand serves.
func loadPolicy(path string) (*auth.Policy, error) {
	if path == "" {
		return auth.DefaultPolicy(grpcapi.Methods())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	p, err := auth.ParsePolicy(data, grpcapi.Methods())
	if err != nil {
		return nil, fmt.Errorf("--policy %s: %w", path, err)
	}
	return p, nil
}

// openAudit is where audit lines go: the --audit-log file (JSON lines,
// appended), else the log's stream in the log's format. Either way at
// every --log-level: an audit line is not a debug message. Each line of a
// traced call carries its trace_id. JSON lines are slog's, formatted by
// telemetry.JSONHandler: one is written on every call's path.
func openAudit(path, format string, stderr io.Writer) (*slog.Logger, func(), error) {
	if path == "" {
		if format == "json" {
			return slog.New(telemetry.NewTraceHandler(telemetry.NewJSONHandler(stderr))), func() {}, nil
		}
		return slog.New(telemetry.NewTraceHandler(slog.NewTextHandler(stderr, nil))), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit-log: %w", err)
	}
	return slog.New(telemetry.NewTraceHandler(telemetry.NewJSONHandler(f))), func() { _ = f.Close() }, nil
}

// devMode allows serving without authentication on a loopback address
// only, and says so loudly; on any other it refuses, naming the flags.
func devMode(listen string, log *slog.Logger) error {
	if !isLoopback(listen) {
		return fmt.Errorf("--listen %s is not a loopback address and no authentication is configured: "+
			"set --jwks-file or --jwt-public-key (with --jwt-issuer and --jwt-audience), --api-keys-file, or --client-ca", listen)
	}
	log.Warn(devModeWarning, "listen", listen)
	return nil
}

// devModeWarning is what loand logs, at WARN, when it starts in dev mode.
const devModeWarning = "DEV MODE: no authentication is configured, so every caller is \"dev\" with every role, " +
	"and no call is held for a second person's approval; loand serves on loopback only. " +
	"Set --jwks-file, --jwt-public-key, --api-keys-file or --client-ca to authenticate callers"

// isLoopback reports whether a listen address is on loopback alone:
// localhost, 127.0.0.0/8 or ::1; an empty host (every interface) is not.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
