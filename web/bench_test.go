package web

import (
	"net/http"
	"testing"
)

// BenchmarkPages measures a whole page request through the front end: the
// session check (GET /v1/me), the page's API reads (here answered by a
// stand-in, so this is the web layer's own cost) and rendering.
// The applicant's pages are generated from the fund's form, read from the
// API on each request.
func BenchmarkPages(b *testing.B) {
	formPages, _ := formAPI(b, map[string]any{"has_partners": true, "partners": []any{map[string]any{"name": "Age Cymru"}}})
	for _, p := range []struct {
		name, token, path string
		api               *fakeAPI
	}{
		{"staff application", "tok-chair", "/applications/app-1", reviewAPI(b, "panel")},
		{"programme dashboard", "tok-pm", "/programme", dashboardAPI(b)},
		{"applicant section", "tok-applicant", "/applications/app1/sections/partners", formPages},
		{"applicant check answers", "tok-applicant", "/applications/app1/check", formPages},
	} {
		h := newTestServer(b, p.api)
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				if w := get(b, h, p.token, p.path); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
		})
	}
}
