// Package api is fundflow's HTTP surface: JSON in and out, RFC 7807 errors,
// bearer-token authentication on every /v1 route. Handlers translate HTTP to
// Temporal Updates and Queries and Redis reads; they hold no business rules.
//
// It imports the root package, domain packages, adapters and workflows
// (for the Update and Query contracts), never activities, web or worker.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/adapter/idempotency"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Deps is everything the HTTP layer needs; cmd builds it.
type Deps struct {
	Temporal client.Client
	Redis    redis.UniversalClient
	Tokens   *auth.Store
	Orgs     *organisation.Registry
	Logger   *slog.Logger
	// Metrics is where request metrics are registered and what /metrics
	// serves, so the process decides which collectors exist.
	Metrics *prometheus.Registry
	Now     fundflow.Clock
	// ReadModel serves lists and dashboards.
	ReadModel *readmodel.Store
	// Letters holds the rendered letters GET /v1/letters/{ref} serves: the
	// store the worker's GenerateLetter writes to.
	Letters letters.Store
	// Documents holds uploaded files by SHA-256, in the same blob store;
	// MaxUpload bounds each (document.DefaultMaxSize when zero).
	Documents *blob.Space
	MaxUpload int64
	// KeyPrefix starts every Redis key the API writes.
	KeyPrefix string
	// RateLimit is each token's request budget; zero turns limiting off.
	RateLimit redis_rate.Limit
	// VerifyRateLimit is each client address's budget for the public
	// letter check, which has no token to meter; zero turns it off.
	VerifyRateLimit redis_rate.Limit
	// TrustForwardedFor takes the client address from the last
	// X-Forwarded-For entry: set it only behind a proxy that appends to
	// that header on every request, or clients could pick their address.
	TrustForwardedFor bool
	// Cluster, when set, is the namespace and search attributes /readyz
	// checks beside Temporal's health.
	Cluster *cluster.Spec
}

type server struct {
	Deps
	Idempotency *idempotency.Store
	log         *slog.Logger
	router      *mux.Router
	metrics     *httpMetrics
	hub         *eventHub
}

// NewServer wires every route and middleware into one handler.
func NewServer(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxUpload <= 0 {
		d.MaxUpload = document.DefaultMaxSize
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	s := &server{
		Deps:        d,
		Idempotency: idempotency.NewStore(d.Redis, d.KeyPrefix, 24*time.Hour),
		log:         d.Logger,
		router:      mux.NewRouter(),
		metrics:     newHTTPMetrics(d.Metrics),
		hub:         newEventHub(d.ReadModel, d.Logger),
	}
	s.routes()
	return s.recoverPanics(s.withRequestID(secureHeaders(s.router)))
}

// ready reports whether every backing service answers, for /readyz.
func (s *server) ready(ctx context.Context) map[string]string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	checks := map[string]string{"temporal": "ok"}
	if s.Cluster != nil {
		checks = cluster.Check(ctx, s.Temporal, *s.Cluster)
	} else if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"] = "unavailable"
	}
	checks["redis"] = "ok"
	if err := s.Redis.Ping(ctx).Err(); err != nil {
		checks["redis"] = "unavailable"
	}
	return checks
}
