package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/idempotency"
)

// duplicateWait is how long a concurrent duplicate (a double-click, or a
// retry after a client timeout) waits for the first request before it is
// told to retry. It outlasts the pending window, so a retry after the first
// request died takes the key over instead of being refused.
const duplicateWait = idempotency.DefaultPending + 5*time.Second

// keyedWorkTimeout bounds the work of a request carrying an
// Idempotency-Key. That work carries on when the client goes away, so a
// retry finds it done and replays its answer rather than repeating it.
const keyedWorkTimeout = 30 * time.Second

// captureWriter keeps a copy of the response so it can be replayed: its
// status as the metrics' statusRecorder sees it, and its body.
type captureWriter struct {
	statusRecorder
	body bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.statusRecorder.Write(b)
}

// idempotent answers a repeated POST or PATCH carrying the same
// Idempotency-Key and body with the original response, refuses the same key
// with a different body, and makes a concurrent duplicate wait for the
// first. Only what was done is remembered: a refusal changed nothing, so a
// retry is judged afresh. An offer whose letter is still being written, or
// evidence citing a file still being scanned, is refused with "try again in
// a minute", and the retry must be able to succeed; a server error or a
// rate limit may pass on the next try too.
func (s *server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || (r.Method != http.MethodPost && r.Method != http.MethodPatch) {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := command(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.bodyLimit(r)))
		if err != nil {
			s.writeError(w, r, decodeError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		scoped := principal(r.Context()).ID + ":" + key
		hash := idempotency.Hash(r.Method, r.URL.Path, body)
		outcome, prior, err := s.Idempotency.Begin(r.Context(), scoped, hash, duplicateWait)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		switch outcome {
		case idempotency.Mismatch:
			writeProblem(w, http.StatusUnprocessableEntity, fundflow.Errorf(fundflow.EIDEMPOTENCYREUSED,
				"this Idempotency-Key was already used for a different request"))
			return
		case idempotency.InProgress:
			writeProblem(w, http.StatusConflict, fundflow.Errorf(fundflow.ECONFLICT,
				"a request with this Idempotency-Key is still being processed; retry shortly"))
			return
		case idempotency.Replay:
			if prior.ContentType != "" {
				w.Header().Set("Content-Type", prior.ContentType)
			}
			if prior.Location != "" {
				w.Header().Set("Location", prior.Location)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prior.Status)
			_, _ = w.Write(prior.Body)
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), keyedWorkTimeout)
		defer cancel()
		rec := &captureWriter{statusRecorder: statusRecorder{ResponseWriter: w}}
		next.ServeHTTP(rec, r.WithContext(ctx))
		// Releasing or completing the key must not fail because the
		// client left or the work used its whole budget.
		ctx, cancelStore := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancelStore()
		if rec.status >= 400 {
			if err := s.Idempotency.Abandon(ctx, scoped); err != nil {
				s.log.WarnContext(ctx, "idempotency key not released", slog.Any("error", err))
			}
			return
		}
		resp := idempotency.Response{Status: rec.status, ContentType: rec.Header().Get("Content-Type"),
			Location: rec.Header().Get("Location"), Body: rec.body.Bytes()}
		if err := s.Idempotency.Complete(ctx, scoped, hash, resp); err != nil {
			s.log.WarnContext(ctx, "idempotent response not stored", slog.Any("error", err))
		}
	})
}

// rateLimit holds each token to its GCRA budget, kept in Redis so every API
// replica shares it.
func (s *server) rateLimit(next http.Handler) http.Handler {
	return s.limitBy(s.RateLimit, "", func(r *http.Request) string { return principal(r.Context()).ID }, "this token", next)
}

// limitByAddress holds each client address to limit, for public routes,
// which have no token to meter.
func (s *server) limitByAddress(limit redis_rate.Limit, next http.Handler) http.Handler {
	return s.limitBy(limit, "ip:", s.clientAddress, "this address", next)
}

// clientAddress is the caller's IP address: the last X-Forwarded-For entry
// (the one the trusted proxy appended) when configured, else the peer's.
func (s *server) clientAddress(r *http.Request) string {
	if s.TrustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if a := strings.TrimSpace(parts[len(parts)-1]); a != "" {
				return a
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitBy meters requests by key(r) with GCRA in Redis. If Redis cannot
// answer, requests pass: refusing all traffic over a read-model outage
// would be worse than an unmetered minute.
func (s *server) limitBy(limit redis_rate.Limit, space string, key func(*http.Request) string, who string, next http.Handler) http.Handler {
	if limit.IsZero() {
		return next
	}
	limiter := redis_rate.NewLimiter(s.Redis)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := limiter.Allow(r.Context(), s.KeyPrefix+"rate:"+space+key(r), limit)
		if err != nil {
			s.log.WarnContext(r.Context(), "rate limiter unavailable", slog.Any("error", err))
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
		if res.Allowed == 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(res.RetryAfter.Seconds()))))
			writeProblem(w, http.StatusTooManyRequests, fundflow.Errorf(fundflow.ERATELIMITED,
				"too many requests from %s; retry after %s", who, res.RetryAfter.Round(time.Second)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
