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
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"encoding/json"
	"regexp"

	"github.com/fundflow/fundflow/internal/adapter/logging"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/web"
)

// config is what every serving command shares. Each value comes from a flag
// whose default is read from the environment, so containers use env and a
// developer can override on the command line.
type config struct {
	httpAddr    string
	redisURL    string
	redisPrefix string
	dataDir     string
	orgsFile    string
	logLevel    string
	publicURL   string
	rateLimit   string
	// verifyLimit meters the public letter check per client address;
	// trustForwarded takes that address from X-Forwarded-For, which only
	// a proxy in front of every request may be trusted to set.
	verifyLimit    string
	trustForwarded bool
	oidcIssuers    string
	mail           mailConfig
	// blobURL is the one bucket letters and uploads live in; clamd is
	// the scanner's address, or "off"; maxUploadMiB bounds each upload.
	blobURL      string
	clamd        string
	maxUploadMiB int
	// eventPoll is not a flag: dev sets it for its Redis stand-in, which
	// the event stream polls instead of blocking on; see
	// readmodel.Store.PollingEvents.
	eventPoll time.Duration
}

func (c *config) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.httpAddr, "http", envOr(getenv, "FUNDFLOW_HTTP_ADDR", "127.0.0.1:8080"), "HTTP listen address (FUNDFLOW_HTTP_ADDR)")
	fs.StringVar(&c.redisURL, "redis", getenv("REDIS_URL"), "Redis URL, e.g. redis://127.0.0.1:6379/0 (REDIS_URL)")
	fs.StringVar(&c.redisPrefix, "redis-prefix", envOr(getenv, "FUNDFLOW_REDIS_PREFIX", "fundflow:"), "prefix of every Redis key (FUNDFLOW_REDIS_PREFIX)")
	fs.StringVar(&c.dataDir, "data", envOr(getenv, "FUNDFLOW_DATA_DIR", "./data"), "directory for local state (FUNDFLOW_DATA_DIR)")
	fs.StringVar(&c.orgsFile, "orgs", getenv("FUNDFLOW_ORGS_FILE"), "a newer organisation registry CSV than the built-in one (FUNDFLOW_ORGS_FILE)")
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&c.rateLimit, "rate-limit", envOr(getenv, "FUNDFLOW_RATE_LIMIT", "1200/min"), "requests per token, as N/s, N/min or N/h, bursting to N; 0 turns limiting off (FUNDFLOW_RATE_LIMIT)")
	fs.StringVar(&c.verifyLimit, "verify-rate-limit", envOr(getenv, "FUNDFLOW_VERIFY_RATE_LIMIT", "60/min"), "public letter checks per client IP address, as --rate-limit (FUNDFLOW_VERIFY_RATE_LIMIT)")
	fs.BoolVar(&c.trustForwarded, "trust-forwarded-for", getenv("FUNDFLOW_TRUST_FORWARDED_FOR") == "true", "take the client address from the last X-Forwarded-For entry, behind a proxy that sets it (FUNDFLOW_TRUST_FORWARDED_FOR=true)")
	fs.StringVar(&c.oidcIssuers, "oidc-issuers", getenv("FUNDFLOW_OIDC_ISSUERS"), "OpenID Connect issuers people sign in through, as a JSON list of {id, label, issuer, client_id, client_secret, email_claims} (FUNDFLOW_OIDC_ISSUERS; see deploy/README.md)")
	c.mail.register(fs, getenv)
	fs.StringVar(&c.blobURL, "blob-url", getenv("FUNDFLOW_BLOB_URL"), "the bucket for letters and uploaded files: s3://bucket?region=eu-west-2, azblob://container or file:///dir; api and worker must name the same one (FUNDFLOW_BLOB_URL; default file://<data>/blobs)")
	fs.StringVar(&c.clamd, "clamd", getenv("FUNDFLOW_CLAMD"), "clamd for malware scanning of uploads: tcp://host:3310, unix:///run/clamav/clamd.ctl, or off; the worker needs it set (FUNDFLOW_CLAMD)")
	fs.IntVar(&c.maxUploadMiB, "max-upload-mib", envInt(getenv, "FUNDFLOW_MAX_UPLOAD_MIB", document.DefaultMaxSize>>20), "largest file an upload may be, in MiB (FUNDFLOW_MAX_UPLOAD_MIB)")
	fs.StringVar(&c.publicURL, "public-url", getenv("FUNDFLOW_PUBLIC_URL"), "the URL users reach the API at, for links in letters (FUNDFLOW_PUBLIC_URL)")
}

// limit parses --rate-limit.
func (c *config) limit() (redis_rate.Limit, error) {
	return parseLimit("FUNDFLOW_RATE_LIMIT", c.rateLimit)
}

// parseLimit reads N/s, N/min or N/h, or 0 for no limit, from setting name.
func parseLimit(name, s string) (redis_rate.Limit, error) {
	if s == "0" {
		return redis_rate.Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	rate, err := strconv.Atoi(n)
	if !ok || err != nil || rate < 1 {
		return redis_rate.Limit{}, fmt.Errorf("%s %q: write it as N/s, N/min or N/h", name, s)
	}
	switch per {
	case "s":
		return redis_rate.PerSecond(rate), nil
	case "min":
		return redis_rate.PerMinute(rate), nil
	case "h":
		return redis_rate.PerHour(rate), nil
	}
	return redis_rate.Limit{}, fmt.Errorf("%s %q: the period must be s, min or h", name, s)
}

func envInt(getenv func(string) string, key string, def int) int {
	if n, err := strconv.Atoi(getenv(key)); err == nil {
		return n
	}
	return def
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parse reads flags, printing usage on -h and a clear message otherwise.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL %q: use debug, info, warn or error", c.logLevel)
	}
	log := logging.New(w, level)
	// Whatever logs through the log or slog packages' defaults (a library,
	// the notification log) writes JSON lines like the rest.
	slog.SetDefault(log)
	return log, nil
}

// issuers parses --oidc-issuers. Each issuer's callback is under the
// public URL, so that must be set too.
func (c *config) issuers() ([]web.Issuer, error) {
	if strings.TrimSpace(c.oidcIssuers) == "" {
		return nil, nil
	}
	var is []web.Issuer
	dec := json.NewDecoder(strings.NewReader(c.oidcIssuers))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&is); err != nil {
		return nil, fmt.Errorf("FUNDFLOW_OIDC_ISSUERS is not a JSON list of issuers: %w", err)
	}
	seen := map[string]bool{}
	for i, x := range is {
		switch {
		case !idPattern.MatchString(x.ID) || seen[x.ID]:
			return nil, fmt.Errorf("FUNDFLOW_OIDC_ISSUERS[%d]: id must be a unique short name of letters, digits and '-'", i)
		case !strings.HasPrefix(x.URL, "https://") && !strings.HasPrefix(x.URL, "http://127.0.0.1"):
			return nil, fmt.Errorf("FUNDFLOW_OIDC_ISSUERS[%d] (%s): issuer must be an https URL", i, x.ID)
		case x.ClientID == "" || x.Label == "":
			return nil, fmt.Errorf("FUNDFLOW_OIDC_ISSUERS[%d] (%s): label and client_id are required", i, x.ID)
		}
		seen[x.ID] = true
	}
	if c.publicURL == "" {
		return nil, errors.New("FUNDFLOW_OIDC_ISSUERS needs FUNDFLOW_PUBLIC_URL, the URL browsers reach fundflow at, for the sign-in callbacks")
	}
	return is, nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

func (c *config) registry() (*organisation.Registry, error) {
	if c.orgsFile == "" {
		return organisation.Default()
	}
	f, err := os.Open(c.orgsFile)
	if err != nil {
		return nil, fmt.Errorf("organisation registry: %w", err)
	}
	defer f.Close()
	r, err := organisation.Load(f)
	if err != nil {
		return nil, fmt.Errorf("organisation registry %s: %w", c.orgsFile, err)
	}
	return r, nil
}

// connectRedis dials and pings, so a wrong URL fails at start with a message
// that says which setting to fix.
func connectRedis(ctx context.Context, url string) (*redis.Client, error) {
	if url == "" {
		return nil, errors.New("REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL is not a valid Redis URL: %w", err)
	}
	// Blocking reads (the event stream) must end when the request does.
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %w", opts.Addr, err)
	}
	return rdb, nil
}

// listen binds early so a taken port is reported before anything else
// starts.
func listen(addr, what string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s address %s is not available: %w", what, addr, err)
	}
	return l, nil
}
