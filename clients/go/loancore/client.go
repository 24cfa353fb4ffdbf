package loancore

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// Options say how to reach loand.
type Options struct {
	// Token is a bearer credential — a JWT or an API key — sent as
	// "authorization: Bearer <token>" on every call; empty sends none
	// (dev mode, or mutual TLS alone).
	Token string
	// TLS, when set, is the TLS configuration: RootCAs to trust loand's
	// certificate, Certificates for mutual TLS. Nil means plaintext,
	// which Connect allows only to a loopback address.
	TLS *tls.Config
	// OnBehalfOf, when set, names the end user this caller acts for
	// (x-on-behalf-of), recorded beside the actor; loand refuses it from
	// a role its policy does not allow.
	OnBehalfOf string
	// DialOptions are added to the connection's own.
	DialOptions []grpc.DialOption
}

// Client is a connection to loand and loancore.v1's services on it.
type Client struct {
	Loans           loancorev1.LoanServiceClient
	Schedules       loancorev1.ScheduleServiceClient
	Restructuring   loancorev1.RestructuringServiceClient
	CloseOfBusiness loancorev1.CloseOfBusinessServiceClient
	Approvals       loancorev1.ApprovalServiceClient
	Events          loancorev1.EventFeedServiceClient
	// Conn is the connection, for other services (health) or Close.
	Conn *grpc.ClientConn
}

// Connect returns a Client for loand at address (host:port). It does not
// dial: the first call does, and gRPC reconnects when needed.
func Connect(address string, o Options) (*Client, error) {
	opts := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(fillRequestID),
		grpc.WithChainStreamInterceptor(fillRequestIDStream),
	}
	switch {
	case o.TLS != nil:
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(o.TLS)))
	case !loopback(address):
		return nil, fmt.Errorf("loancore: plaintext to %s: set Options.TLS (plaintext is for loopback only)", address)
	default:
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if o.Token != "" || o.OnBehalfOf != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(metadataCreds{token: o.Token, onBehalfOf: o.OnBehalfOf}))
	}
	conn, err := grpc.NewClient(address, append(opts, o.DialOptions...)...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Loans: loancorev1.NewLoanServiceClient(conn), Schedules: loancorev1.NewScheduleServiceClient(conn),
		Restructuring: loancorev1.NewRestructuringServiceClient(conn), CloseOfBusiness: loancorev1.NewCloseOfBusinessServiceClient(conn),
		Approvals: loancorev1.NewApprovalServiceClient(conn), Events: loancorev1.NewEventFeedServiceClient(conn), Conn: conn,
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// loopback reports whether address's host is a loopback address or
// localhost.
func loopback(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// metadataCreds sends the bearer token and x-on-behalf-of on every call.
type metadataCreds struct{ token, onBehalfOf string }

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (m metadataCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	md := map[string]string{}
	if m.token != "" {
		md["authorization"] = "Bearer " + m.token
	}
	if m.onBehalfOf != "" {
		md["x-on-behalf-of"] = m.onBehalfOf
	}
	return md, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: a
// token may travel without TLS only over loopback, which Connect has
// checked; gRPC would otherwise refuse to send it.
func (m metadataCreds) RequireTransportSecurity() bool { return false }
