package api

import (
	_ "embed"
	"net/http"
)

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := s.ready(r.Context())
	status := http.StatusOK
	for _, v := range checks {
		if v != "ok" {
			status = http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, map[string]any{"status": http.StatusText(status), "checks": checks})
}

// openAPIDoc is the contract clients build against; tests check real
// responses against it so it cannot drift from the handlers.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument is the served document, for clients and contract tests.
func OpenAPIDocument() []byte { return openAPIDoc }

func (s *server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
