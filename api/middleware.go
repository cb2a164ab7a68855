package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/logging"
)

type principalKey struct{}

// principal is the authenticated caller; only routes behind authenticate
// call it.
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID tags the request, its response and every log line it causes
// with one id, reusing a well-formed id from a proxy in front of us.
func (s *server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(logging.With(r.Context(), slog.String("request_id", id))))
	})
}

func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "handler panicked", slog.Any("panic", v))
				writeProblem(w, http.StatusInternalServerError, fundflow.Errorf(fundflow.EINTERNAL, "something went wrong on our side; it has been logged"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundflow_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fundflow_http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10),
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// statusRecorder notes the status a handler answered with: the first it
// set, or 200 when it wrote without setting one, as net/http does.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming responses (Server-Sent Events) through the recorder.
func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and measures each request by its route template, never its
// raw path or query, which could carry personal data.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := "unmatched"
		if cur := mux.CurrentRoute(r); cur != nil {
			if tpl, err := cur.GetPathTemplate(); err == nil {
				route = tpl
			}
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		s.metrics.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
		s.log.InfoContext(r.Context(), "request",
			slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rec.status), slog.Duration("duration", elapsed))
	})
}

// authenticate admits only requests bearing a valid token, and puts the
// caller in the context for the role checks and the workflows' timelines.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fundflow"`)
			writeProblem(w, http.StatusUnauthorized, fundflow.Errorf(fundflow.EUNAUTHORIZED, "send Authorization: Bearer <token>"))
			return
		}
		p, err := s.Tokens.Authenticate(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, auth.ErrInvalidToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fundflow", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, fundflow.Errorf(fundflow.EUNAUTHORIZED, "the token is not valid"))
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		ctx = logging.With(ctx, slog.String("actor_id", p.ID), slog.String("role", string(p.Role)))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// allow guards a handler with the roles that may call it. Roles are checked
// here and again by the workflow validators, so a route added without a
// guard still cannot change state it shouldn't.
func (s *server) allow(h http.HandlerFunc, roles ...fundflow.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		for _, role := range roles {
			if p.Role == role {
				h(w, r)
				return
			}
		}
		writeProblem(w, http.StatusForbidden, fundflow.Errorf(fundflow.EFORBIDDEN, "your role (%s) may not do this", p.Role))
	})
}

// anyRole is every role a token can hold.
var anyRole = fundflow.Roles
