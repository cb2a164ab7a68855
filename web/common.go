package web

import (
	"io/fs"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/templates"
	"github.com/fundflow/fundflow/web/apiclient"
)

// assets serves the design system's CSS, JS and icons and our own script,
// embedded so a `go run` needs no npm.
func assets() http.Handler {
	root, err := fs.Sub(templates.Web, "web/assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// home sends a signed-in user to where their work starts, and anyone else
// to a page that says what this is.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		s.signedIn(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, startPage(string(meFrom(r.Context()).Role)), http.StatusSeeOther)
		})(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "home", view{Title: "Apply for and manage prevention funding"})
}

// applying reports whether m is on the bid's side (an applicant, or a
// co-applicant invited onto bids), who gets the applicant's pages and
// never staff's, by the root package's rule for roles.
func applying(m *apiclient.Me) bool { return m != nil && fundflow.Role(m.Role).Applying() }

// application is one application's page, which differs by who is asking:
// the bid's side sees the bid, staff their workspace.
func (s *server) application(w http.ResponseWriter, r *http.Request) {
	if applying(meFrom(r.Context())) {
		s.applicantApplication(w, r)
		return
	}
	s.staffApplication(w, r)
}

// letter shows a letter's PDF in the browser, with the same access rules
// as the API's, because it is the API's answer.
func (s *server) letter(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.GetLetter(r.Context(), mux.Vars(r)["ref"])
	relay(w, res, err)
}

// document downloads an attached file through the API, under its access
// and scanning rules.
func (s *server) document(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	res, err := s.api.GetDocument(r.Context(), v["id"], v["document_id"])
	relay(w, res, err)
}

// events is the API's live stream of status changes, for pages that
// update themselves; the API filters it to what the user may see.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	// Where to resume: EventSource's header when it reconnects, or the
	// page's own parameter.
	var params apiclient.StreamEventsParams
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		params.LastEventID = &id
	}
	if id := r.URL.Query().Get("last_event_id"); id != "" {
		params.LastEventIDQuery = &id
	}
	res, err := s.api.StreamEvents(r.Context(), &params)
	relay(w, res, err)
}

// appPath is an application's page.
func appPath(id string) string { return "/applications/" + url.PathEscape(id) }
