package web

import (
	"net/http"
	"testing"
)

// BenchmarkPages measures a whole page request through the front end: the
// session check (GET /v1/me), the page's API reads (here answered by a
// stand-in, so this is the web layer's own cost) and rendering.
func BenchmarkPages(b *testing.B) {
	for _, p := range []struct {
		name, token, path string
		api               *fakeAPI
	}{
		{"staff application", "tok-chair", "/applications/app-1", reviewAPI(b, "panel")},
		{"programme dashboard", "tok-pm", "/programme", dashboardAPI(b)},
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
