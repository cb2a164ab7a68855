package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
)

// secureHeaders marks every answer as not to be sniffed and every /v1
// answer as not to be cached: they carry personal data, and a shared cache
// or a browser's history is no place for it. Set before the handler runs,
// so errors, 404s and 405s carry them too.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == "/v1" || strings.HasPrefix(r.URL.Path, "/v1/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// methods a route may be registered for; Allow is computed from the
// router by asking it which of these it would serve at the path.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// notFound answers a path no route serves. gorilla/mux reports a method
// mismatch under a subrouter as not found (the subrouter's path prefix
// clears the mismatch), so a path some route serves by another method is
// answered 405 here.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	if len(s.allowed(r)) > 0 {
		s.methodNotAllowed(w, r)
		return
	}
	writeProblem(w, http.StatusNotFound, fundflow.Errorf(fundflow.ENOTFOUND, "no such resource"))
}

// allowed is the methods the router serves at r's path.
func (s *server) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil && match.Route != nil {
			allow = append(allow, m)
		}
	}
	return allow
}

// methodNotAllowed answers a known path asked with a method it does not
// serve, naming in Allow the ones it does (RFC 9110 §15.5.6).
func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := s.allowed(r)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeProblem(w, http.StatusMethodNotAllowed, fundflow.Errorf(fundflow.EMETHODNOTALLOWED,
		"this resource does not support that method; use %s", strings.Join(allow, " or ")))
}
