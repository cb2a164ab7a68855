//go:build !nodev

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/devserver"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/web"
	"github.com/fundflow/fundflow/worker"
	"github.com/fundflow/fundflow/workflows"
)

type devFlags struct {
	config
	ephemeral    bool
	seedOutcomes bool
	temporalAddr string
	uiPort       int
	temporalLog  string
}

func runDev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f devFlags
	fs := flag.NewFlagSet("fundflow dev", flag.ContinueOnError)
	f.register(fs, getenv)
	fs.BoolVar(&f.ephemeral, "ephemeral", false, "keep Temporal's state in memory instead of <data>/temporal.db")
	fs.BoolVar(&f.seedOutcomes, "seed-outcomes", true, "on a first run, seed two awards that have reported outcomes, in the background")
	fs.StringVar(&f.temporalAddr, "temporal", envOr(getenv, "FUNDFLOW_DEV_TEMPORAL_ADDR", "127.0.0.1:7233"), "embedded Temporal frontend address (FUNDFLOW_DEV_TEMPORAL_ADDR)")
	fs.IntVar(&f.uiPort, "ui-port", 8233, "Temporal Web UI port; 0 turns the UI off")
	fs.StringVar(&f.temporalLog, "temporal-log-level", "fatal", "embedded Temporal server's log level (debug, info, warn, error, fatal)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if getenv("GOGC") == "" {
		// One process holds the Temporal server, the worker and the API,
		// whose garbage is mostly short-lived protobufs; collecting half as
		// often cut dev's CPU per request by 7-9 % under load (docs/performance.md)
		// for about 100 MB more heap. GOGC still overrides it.
		debug.SetGCPercent(200)
	}
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	orgs, err := f.registry()
	if err != nil {
		return err
	}
	// Bind the ports we own first, so a clash is the first thing reported.
	httpL, err := listen(f.httpAddr, "HTTP")
	if err != nil {
		return err
	}
	defer httpL.Close()
	if err := os.MkdirAll(f.dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory %s: %w", f.dataDir, err)
	}

	rdb, redisURL, stopRedis, err := devRedis(ctx, f.redisURL, log)
	if err != nil {
		return err
	}
	defer stopRedis()
	if f.redisURL == "" {
		f.eventPoll = 100 * time.Millisecond
	}
	if err := os.WriteFile(filepath.Join(f.dataDir, devRedisFile), []byte(redisURL+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(f.dataDir, devRedisFile))

	srvCfg := devserver.Config{FrontendAddr: f.temporalAddr, SearchAttributes: workflows.SearchAttributes(), Ephemeral: f.ephemeral, LogLevel: f.temporalLog}
	if !f.ephemeral {
		srvCfg.DatabaseFile = filepath.Join(f.dataDir, "temporal.db")
	}
	start := time.Now()
	srv, err := devserver.Start(ctx, srvCfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			log.Warn("temporal server stop", slog.Any("error", err))
		}
	}()
	metrics, sdkMetrics, err := newMetrics()
	if err != nil {
		return err
	}
	tc, err := cluster.Dial(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), MetricsHandler: sdkMetrics}, log)
	if err != nil {
		return err
	}
	defer tc.Close()

	if f.publicURL == "" {
		// Letters link to their verify page; in dev that is this server.
		f.publicURL = "http://" + httpL.Addr().String()
	}
	catcher, err := startDevMail(&f.config)
	if err != nil {
		return err
	}
	if catcher != nil {
		defer catcher.Close()
	}
	acts, err := newActivities(f.config, tc, rdb, orgs)
	if err != nil {
		return err
	}
	w := worker.New(tc, acts, worker.Options{})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	// Deferred after the server's stop, so it runs first: the worker must
	// let go of its pollers before the frontend disappears.
	defer w.Stop()

	if err := devseed.SeedFunds(ctx, tc, time.Now(), log); err != nil {
		return err
	}
	if err := workflows.EnsureDirectory(ctx, tc); err != nil {
		return err
	}
	people := devseed.People(orgs)
	if err := devseed.Directory(ctx, tc, people); err != nil {
		return fmt.Errorf("seed the directory: %w", err)
	}
	tokensFile := filepath.Join(f.dataDir, "dev-tokens.json")
	if err := devseed.EnsureTokens(ctx, tokensFile, tc, people, orgs, organisation.DateOf(time.Now())); err != nil {
		return fmt.Errorf("dev tokens: %w", err)
	}
	if f.redisURL == "" {
		// The stand-in starts empty every time; Temporal still has every
		// application, so rebuild the lists before serving them.
		r, err := reindex(ctx, tc, readmodel.NewStore(rdb, f.redisPrefix), false)
		if err != nil {
			return fmt.Errorf("rebuild read models: %w", err)
		}
		log.Info(r.String())
	}
	// The directory cache is rebuilt whatever Redis is: it is small, and a
	// Redis left over from another data directory would otherwise hold a
	// different directory's entries.
	st, err := rebuildDirectoryCache(ctx, tc, newAuthStore(f.config, rdb, tc))
	if err != nil {
		return fmt.Errorf("rebuild the directory cache: %w", err)
	}
	if f.redisURL == "" {
		if _, err := rebuildInbox(ctx, tc, &notify.Inbox{Redis: rdb, Prefix: f.redisPrefix}, st); err != nil {
			return fmt.Errorf("rebuild the inboxes: %w", err)
		}
	}

	uiURL := "(off)"
	if f.uiPort != 0 {
		stopUI, err := startTemporalUI(srv.HostPort(), srv.Namespace(), f.uiPort)
		if err != nil {
			return err
		}
		defer stopUI()
		uiURL = fmt.Sprintf("http://127.0.0.1:%d", f.uiPort)
	}

	spec := cluster.Spec{Namespace: srv.Namespace(), SearchAttributes: srvCfg.SearchAttributes}
	apiURL := "http://" + httpL.Addr().String()
	issuers, err := f.issuers()
	if err != nil {
		return err
	}
	idp, dev, err := devIdentityProvider(apiURL, people)
	if err != nil {
		return err
	}
	h, err := newHTTP(f.config, tc, rdb, orgs, log, metrics, &spec, append([]web.Issuer{dev}, issuers...))
	if err != nil {
		return err
	}
	h = withDevIdentityProvider(h, idp)
	mailURL := f.mail.smtpAddr
	if catcher != nil {
		h = withDevMail(h, devMail(catcher, newAuthStore(f.config, rdb, tc)))
		mailURL = apiURL + devMailPath
	}
	fmt.Fprintf(stdout, `
  fundflow dev is running (ready in %s)
    API          %s/v1   (OpenAPI: %s/openapi.json)
    Web          %s/sign-in   (sign in as any seeded person through the dev identity provider)
    Temporal UI  %s
    Temporal     %s, namespace %q, state in %s
    Redis        %s
    Dev tokens   %s
    Mail         %s
  Ctrl-C stops everything.

`, time.Since(start).Round(time.Millisecond), apiURL, apiURL, apiURL, uiURL, srv.HostPort(), srv.Namespace(), stateIn(srvCfg), redisURL, tokensFile, mailURL)
	if f.seedOutcomes {
		go devseed.ReportingAwards(ctx, apiURL, tokensFile, log)
	}
	return serveHTTP(ctx, httpL, h, log)
}

func stateIn(c devserver.Config) string {
	if c.Ephemeral {
		return "memory (--ephemeral)"
	}
	return c.DatabaseFile
}

// devRedis connects to REDIS_URL when given, otherwise starts an in-process
// Redis-protocol server. The stand-in keeps nothing across restarts, which is
// acceptable only because Redis never holds the only copy of a fact.
func devRedis(ctx context.Context, url string, log *slog.Logger) (*redis.Client, string, func(), error) {
	if url != "" {
		rdb, err := connectRedis(ctx, url)
		if err != nil {
			return nil, "", nil, err
		}
		return rdb, url, func() { _ = rdb.Close() }, nil
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, "", nil, fmt.Errorf("embedded Redis: %w", err)
	}
	url = "redis://" + m.Addr() + "/0"
	log.Warn("REDIS_URL is not set: using an embedded, in-memory Redis stand-in; for development only", slog.String("addr", m.Addr()))
	rdb, err := connectRedis(ctx, url)
	if err != nil {
		m.Close()
		return nil, "", nil, err
	}
	// The stand-in's TTLs only count down when told to; tell it every
	// second, so idempotency claims, rate-limit windows and token expiry
	// behave as on a real Redis.
	stopClock := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopClock:
				return
			case <-t.C:
				m.FastForward(time.Second)
			}
		}
	}()
	return rdb, url, func() { close(stopClock); _ = rdb.Close(); m.Close() }, nil
}

// startTemporalUI serves Temporal's own web UI against the embedded server.
func startTemporalUI(frontend, namespace string, port int) (func(), error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// The UI server exits the process if it cannot bind, so check first.
	l, err := listen(addr, "Temporal UI")
	if err != nil {
		return nil, fmt.Errorf("%w (use --ui-port to pick another, or 0 to turn the UI off)", err)
	}
	_ = l.Close()
	ui := uiserver.NewServer(server_options.WithConfigProvider(&uiconfig.Config{
		TemporalGRPCAddress: frontend,
		Host:                "127.0.0.1",
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		HideLogs:            true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
	}))
	errc := make(chan error, 1)
	go func() { errc <- ui.Start() }()
	select {
	case err := <-errc:
		return nil, fmt.Errorf("temporal UI: %w", err)
	case <-time.After(100 * time.Millisecond):
	}
	return func() {
		ui.Stop()
		<-errc
	}, nil
}
