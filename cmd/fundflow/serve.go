package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/web"
	"github.com/fundflow/fundflow/worker"
	"github.com/fundflow/fundflow/workflows"
)

// devRedisFile is where `fundflow dev` leaves the address of its embedded
// Redis, so `fundflow token` and `reindex` can reach it without REDIS_URL.
const devRedisFile = "dev-redis-url"

// external is a command's connections to the Redis and Temporal cluster it
// runs against, opened after its flags are checked.
type external struct {
	cfg       config
	log       *slog.Logger
	orgs      *organisation.Registry
	redis     *redis.Client
	tc        client.Client
	namespace string
	// metrics holds the Temporal SDK's metrics, for /metrics.
	metrics *prometheus.Registry
}

// cluster is what the namespace must hold for fundflow to run.
func (e *external) cluster() cluster.Spec {
	return cluster.Spec{Namespace: e.namespace, SearchAttributes: workflows.SearchAttributes()}
}

// connect parses a command's flags (the shared ones plus any extra) and
// dials Redis and Temporal, failing with a message that names the setting
// to fix. close releases both.
func connect(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*external, error) {
	e, err := parseCommand(name, args, getenv, stderr, extra)
	if err != nil {
		return nil, err
	}
	return e, e.dial(ctx, getenv)
}

// parseCommand reads a command's flags and settings without dialling
// anything, so a command can refuse bad input first.
func parseCommand(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*external, error) {
	var e external
	fs := flag.NewFlagSet("fundflow "+name, flag.ContinueOnError)
	e.cfg.register(fs, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args, stderr); err != nil {
		return nil, err
	}
	if e.cfg.redisURL == "" {
		// A command run beside `fundflow dev` finds its embedded Redis.
		if b, err := os.ReadFile(filepath.Join(e.cfg.dataDir, devRedisFile)); err == nil {
			e.cfg.redisURL = strings.TrimSpace(string(b))
		}
	}
	var err error
	if e.log, err = e.cfg.logger(stderr); err != nil {
		return nil, err
	}
	if e.orgs, err = e.cfg.registry(); err != nil {
		return nil, err
	}
	return &e, nil
}

// dial connects to Redis and Temporal; close releases both.
func (e *external) dial(ctx context.Context, getenv func(string) string) error {
	var err error
	if e.redis, err = connectRedis(ctx, e.cfg.redisURL); err != nil {
		return err
	}
	var sdkMetrics client.MetricsHandler
	if e.metrics, sdkMetrics, err = newMetrics(); err != nil {
		_ = e.redis.Close()
		return err
	}
	if e.tc, e.namespace, err = cluster.DialFromEnv(ctx, getenv, e.log, sdkMetrics); err != nil {
		_ = e.redis.Close()
		return err
	}
	return nil
}

func (e *external) close() {
	e.tc.Close()
	_ = e.redis.Close()
}

func runAPI(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	e, err := connect(ctx, "api", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	defer e.close()
	go func() {
		if err := awaitDirectory(ctx, e.tc); err != nil && ctx.Err() == nil {
			e.log.Error("the directory is not running; sign-in fails until it is", slog.Any("error", err))
		}
	}()
	l, err := listen(e.cfg.httpAddr, "HTTP")
	if err != nil {
		return err
	}
	defer l.Close()
	spec := e.cluster()
	issuers, err := e.cfg.issuers()
	if err != nil {
		return err
	}
	h, err := newHTTP(e.cfg, e.tc, e.redis, e.orgs, e.log, e.metrics, &spec, issuers)
	if err != nil {
		return err
	}
	// Serve even when the namespace is not ready, so /readyz can say what
	// is missing; a load balancer sends nothing until it is.
	if err := checkCluster(ctx, e.tc, spec); err != nil {
		e.log.Error("not ready", slog.Any("error", err))
	}
	e.log.Info("api listening", slog.String("addr", l.Addr().String()))
	return serveHTTP(ctx, l, h, e.log)
}

// workerHTTP is the worker's default HTTP address: its probes and metrics
// get a port of their own, so an api and a worker can share a host.
const workerHTTP = "127.0.0.1:9090"

func runWorker(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	e, err := connect(ctx, "worker", args, getenv, stderr, func(fs *flag.FlagSet) {
		if getenv("FUNDFLOW_HTTP_ADDR") == "" {
			f := fs.Lookup("http")
			f.DefValue = workerHTTP
			_ = f.Value.Set(workerHTTP)
		}
	})
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.cfg.checkWorker(); err != nil {
		return err
	}
	acts, err := newActivities(e.cfg, e.tc, e.redis, e.orgs)
	if err != nil {
		return err
	}
	probe := &worker.Probe{Client: e.tc, Cluster: e.cluster(), Identity: worker.Identity(), Metrics: e.metrics}
	served := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if addr := e.cfg.httpAddr; addr != "" && addr != "off" {
		l, err := listen(addr, "worker HTTP")
		if err != nil {
			return err
		}
		e.log.Info("worker probes and metrics listening", slog.String("addr", l.Addr().String()))
		go func() { served <- serveHTTP(ctx, l, probe.Handler(), e.log) }()
	} else {
		served <- nil
	}
	// Polling a namespace that is not set up fails at the first workflow
	// start; wait for `fundflow setup`, saying what is missing, with
	// /readyz answering 503 meanwhile.
	if err := awaitCluster(ctx, e.tc, probe.Cluster, e.log); err != nil {
		cancel()
		return <-served
	}
	fatal := make(chan error, 1)
	w := worker.New(e.tc, acts, worker.Options{Identity: probe.Identity, OnFatalError: func(err error) {
		probe.Fatal(err)
		select {
		case fatal <- err:
		default:
		}
	}})
	if err := w.Start(); err != nil {
		cancel()
		return errors.Join(fmt.Errorf("start worker: %w", err), <-served)
	}
	probe.Started()
	e.log.Info("worker polling", slog.String("identity", probe.Identity), slog.String("namespace", e.namespace))
	select {
	case <-ctx.Done():
		w.Stop()
	case err = <-fatal:
		err = fmt.Errorf("worker stopped: %w", err)
	}
	cancel()
	return errors.Join(err, <-served)
}

// checkCluster is cluster.Err within a few seconds.
func checkCluster(ctx context.Context, tc client.Client, spec cluster.Spec) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return cluster.Err(ctx, tc, spec)
}

// awaitCluster returns once the namespace is ready, logging what is
// missing every little while until it is.
func awaitCluster(ctx context.Context, tc client.Client, spec cluster.Spec, log *slog.Logger) error {
	var logged time.Time
	for {
		err := checkCluster(ctx, tc, spec)
		if err == nil {
			return nil
		}
		if time.Since(logged) > 30*time.Second {
			log.Error("waiting for the namespace", slog.Any("error", err))
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// newActivities gives the worker its dependencies. Letters and uploads
// live in the blob store, which api and worker reach by the same URL; the
// bucket stays open for the life of the process.
func newActivities(cfg config, tc client.Client, rdb redis.UniversalClient, orgs *organisation.Registry) (*activities.Activities, error) {
	cal, err := calendar.Default()
	if err != nil {
		return nil, err
	}
	blobs, err := cfg.blobs(context.Background())
	if err != nil {
		return nil, err
	}
	scanner, err := cfg.scanner()
	if err != nil {
		return nil, err
	}
	mailer, err := newMailer(cfg, tc, rdb)
	if err != nil {
		return nil, err
	}
	acts := &activities.Activities{
		Mail:       mailer,
		Temporal:   tc,
		Orgs:       orgs,
		Calendar:   cal,
		Directory:  newAuthStore(cfg, rdb, tc),
		Letters:    blobs.Space(letters.Space),
		Documents:  blobs.Space(document.Space),
		Quarantine: blobs.Space(document.QuarantineSpace),
		Scanner:    scanner,
		ReadModel:  readmodel.NewStore(rdb, cfg.redisPrefix),
		PublicURL:  cfg.publicURL,
	}
	mailer.Digest = acts.QueueDigest
	return acts, nil
}

// newHTTP is the process's HTTP surface: the web front end, which passes
// everything it does not serve itself to the JSON API beneath it.
func newHTTP(cfg config, tc client.Client, rdb redis.UniversalClient, orgs *organisation.Registry, log *slog.Logger, metrics *prometheus.Registry, spec *cluster.Spec, issuers []web.Issuer) (http.Handler, error) {
	limit, err := cfg.limit()
	if err != nil {
		return nil, err
	}
	verifyLimit, err := parseLimit("FUNDFLOW_VERIFY_RATE_LIMIT", cfg.verifyLimit)
	if err != nil {
		return nil, err
	}
	blobs, err := cfg.blobs(context.Background())
	if err != nil {
		return nil, err
	}
	tokens := newAuthStore(cfg, rdb, tc)
	var signin *web.SignIn
	if len(issuers) > 0 {
		signin = &web.SignIn{Issuers: issuers, PublicURL: cfg.publicURL, Sessions: tokens, Redis: rdb, KeyPrefix: cfg.redisPrefix}
	}
	return web.NewServer(web.Deps{Logger: log, SignIn: signin, MaxUpload: int64(cfg.maxUploadMiB) << 20, API: api.NewServer(api.Deps{
		Temporal:          tc,
		Redis:             rdb,
		Tokens:            tokens,
		Orgs:              orgs,
		Logger:            log,
		Metrics:           metrics,
		ReadModel:         readmodel.NewStore(rdb, cfg.redisPrefix).PollingEvents(cfg.eventPoll),
		Letters:           blobs.Space(letters.Space),
		Documents:         blobs.Space(document.Space),
		MaxUpload:         int64(cfg.maxUploadMiB) << 20,
		KeyPrefix:         cfg.redisPrefix,
		RateLimit:         limit,
		VerifyRateLimit:   verifyLimit,
		TrustForwardedFor: cfg.trustForwarded,
		Cluster:           spec,
	})})
}

// serveHTTP serves until ctx ends, then drains in-flight requests.
func serveHTTP(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
