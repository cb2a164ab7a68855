package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/fundflow/fundflow/templates"
	"github.com/fundflow/fundflow/web/apiclient"
)

// view is what every page template gets: the page's own data in Data, and
// what the layout needs around it.
type view struct {
	Title string
	Me    *apiclient.Me
	// CSRF goes in every form as csrf_token; Key as idempotency_key.
	CSRF string
	Key  string
	// Errors fill the error summary and the messages beside each field.
	Errors []fieldError
	Flash  string
	Path   string
	Data   any
}

// ErrorFor is the message for one field, for the template beside it.
func (v view) ErrorFor(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// pages maps a page's name (its path under templates/web/pages, without
// .html) to the template that renders it inside the layout.
type pages map[string]*template.Template

func parsePages() (pages, error) {
	root, err := fs.Sub(templates.Web, "web")
	if err != nil {
		return nil, err
	}
	base, err := template.New("layout").Funcs(funcs).Funcs(answerFuncs).Funcs(partnershipFuncs).Funcs(awardFuncs).ParseFS(root, "layout.html", "partials/*.html")
	if err != nil {
		return nil, err
	}
	out := pages{}
	err = fs.WalkDir(root, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		t, err := template.Must(base.Clone()).ParseFS(root, p)
		if err != nil {
			return err
		}
		out[strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html")] = t
		return nil
	})
	return out, err
}

// render writes a page. Rendering goes to a buffer first so a template
// error becomes a clean error page, never half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	v.Me = meFrom(r.Context())
	if tok := tokenFrom(r.Context()); tok != "" {
		v.CSRF = csrfToken(tok)
	}
	if v.Key == "" {
		v.Key = newKey()
	}
	v.Path = r.URL.Path
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "error", err)
		if name != "error" {
			s.renderError(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later.")
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// contentSecurityPolicy allows nothing from anywhere else, and no inline
// script or style: the NHS fonts are not fetched from a third party from
// NHS laptops (the design system falls back to Arial), and an injection
// that got past html/template's escaping still could not run.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

type errorPage struct {
	Heading string
	Body    string
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, heading, body string) {
	s.render(w, r, status, "error", view{Title: heading, Data: errorPage{Heading: heading, Body: body}})
}

// fail turns an error from the API or a page into the page a user should
// see, never internal detail: the API's own problem text is written for
// clients, so it is shown; anything else is logged and hidden.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem
	if !errors.As(err, &p) {
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "error", err)
		s.renderError(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later.")
		return
	}
	switch p.Status {
	case http.StatusUnauthorized:
		setCookie(w, r, sessionCookie, "", -1)
		s.toSignIn(w, r)
	case http.StatusForbidden:
		s.renderError(w, r, p.Status, "You do not have access to this page", p.Detail)
	case http.StatusNotFound:
		s.renderError(w, r, p.Status, "Page not found", "If you typed the web address, check it is correct.")
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		s.renderError(w, r, p.Status, "The service is busy", "Wait a moment and try again.")
	default:
		if p.Status >= 500 {
			s.renderError(w, r, p.Status, "Sorry, there is a problem with the service", "Try again later.")
			return
		}
		s.renderError(w, r, p.Status, "This could not be done", p.Detail)
	}
}

// refused reports whether the API turned a command down for a reason the
// user can fix or should read — invalid fields, the wrong state, no credit
// left, a field of the form theirs to read but not to change — and gives
// the errors to show on the form again. Other failures are for fail.
func refused(err error) ([]fieldError, bool) {
	var p *problem
	if !errors.As(err, &p) {
		return nil, false
	}
	switch {
	case p.Status == http.StatusUnprocessableEntity, p.Status == http.StatusConflict, p.Status == http.StatusBadRequest:
	case p.Status == http.StatusForbidden && len(p.Errors) > 0:
	default:
		return nil, false
	}
	if len(p.Errors) > 0 {
		return p.Errors, true
	}
	return []fieldError{{Message: p.Detail}}, true
}

// problemStatus is the status a refused form is shown again with: the
// API's own.
func problemStatus(err error) int {
	var p *problem
	if errors.As(err, &p) {
		return p.Status
	}
	return http.StatusUnprocessableEntity
}
