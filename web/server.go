// Package web is fundflow's browser front end: pages rendered on the server
// from html/template, over the public JSON API. It holds no business rules.
// Every read and every command is a call to the API made with the signed-in
// user's own token, so the API decides what each user may see and do, and
// whatever a page can do, an API client can do.
//
// Pages work without JavaScript; the little there is (the NHS design
// system's components and live dashboard updates) only adds to them.
//
// It imports the root package, domain packages and the auth adapter (to
// sign people in), never workflows, activities or api: the JSON API is its
// only way in.
package web

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	documents "github.com/fundflow/fundflow/internal/document"
)

// Deps is what the front end needs; cmd builds it.
type Deps struct {
	// API is the JSON API, called in-process. Requests the front end does
	// not serve itself (/v1, /healthz, /openapi.json...) pass through to it.
	API    http.Handler
	Logger *slog.Logger
	// SignIn, when set, signs people in through OpenID Connect; without
	// it only service tokens can be pasted in.
	SignIn *SignIn
	// MaxUpload is the API's limit on an uploaded file, which the upload
	// page names and its route admits (document.DefaultMaxSize when zero).
	MaxUpload int64
}

type server struct {
	api    apiClient
	log    *slog.Logger
	pages  pages
	router *mux.Router
	signin *SignIn
	// maxUpload is the largest file the API takes.
	maxUpload int64
}

// NewServer wires every page; it fails only if a template does not parse.
func NewServer(d Deps) (http.Handler, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	if d.MaxUpload <= 0 {
		d.MaxUpload = documents.DefaultMaxSize
	}
	s := &server{api: newAPIClient(d.API), log: d.Logger, pages: p, router: mux.NewRouter(), signin: d.SignIn, maxUpload: d.MaxUpload}
	s.routes()
	s.router.NotFoundHandler = d.API
	s.router.MethodNotAllowedHandler = d.API
	return http.NewCrossOriginProtection().Handler(s.router), nil
}
