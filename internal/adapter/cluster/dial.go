package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	sdklog "go.temporal.io/sdk/log"
)

// DialFromEnv reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS* and friends the way every Temporal SDK does, then checks the
// cluster answers.
func DialFromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger, metrics client.MetricsHandler) (client.Client, string, error) {
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{EnvLookup: envLookup(getenv)})
	if err != nil {
		return nil, "", fmt.Errorf("Temporal client settings: %w", err)
	}
	if opts.HostPort == "" {
		opts.HostPort = client.DefaultHostPort
	}
	if opts.Namespace == "" {
		opts.Namespace = client.DefaultNamespace
	}
	opts.MetricsHandler = metrics
	c, err := Dial(ctx, opts, log)
	return c, opts.Namespace, err
}

// Dial connects a Temporal client, logging through log, and fails with a
// message that names the address to fix.
func Dial(ctx context.Context, opts client.Options, log *slog.Logger) (client.Client, error) {
	opts.Logger = sdklog.NewStructuredLogger(log.With(slog.String("component", "temporal-sdk")))
	// The SDK gzips every call by default. To a server on this machine
	// (dev's embedded one, or a cluster beside the process) that costs CPU
	// at both ends and saves nothing: a profile of dev under load put 6 %
	// of its CPU in gzip.
	if host, _, err := net.SplitHostPort(opts.HostPort); err == nil && opts.ConnectionOptions.GrpcCompression == nil && Loopback(host) {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %q): %w", opts.HostPort, opts.Namespace, err)
	}
	return c, nil
}

// Loopback reports whether host, a name or an address, is this machine.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// envLookup adapts getenv for the SDK's envconfig, treating empty as unset.
type envLookup func(string) string

func (e envLookup) LookupEnv(key string) (string, bool) {
	v := e(key)
	return v, v != ""
}

// Environ is only used by envconfig for gRPC metadata variables, which
// fundflow does not pass through.
func (e envLookup) Environ() []string { return nil }
