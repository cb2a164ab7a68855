package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/web/apiclient"
)

// SessionCookie names the cookie that carries a signed-in person's session
// token, for dev-only pages outside the web package that admit a signed-in
// admin.
const SessionCookie = sessionCookie

const (
	sessionCookie = "fundflow_session"
	flashCookie   = "fundflow_flash"
	// maxForm bounds a form post as the API bounds a JSON body.
	maxForm = 1 << 20
)

type ctxKey int

const (
	tokenKey ctxKey = iota
	meKey
	tooLargeKey
)

func tokenFrom(ctx context.Context) string { t, _ := ctx.Value(tokenKey).(string); return t }

// meFrom is the signed-in user, as GET /v1/me describes them.
func meFrom(ctx context.Context) *apiclient.Me { m, _ := ctx.Value(meKey).(*apiclient.Me); return m }

// secure says whether the browser reached us over TLS, directly or through
// a proxy that terminated it, so cookies are Secure whenever they can be.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken binds a form to the session: an HMAC keyed by the session's
// own token, which another site can neither read (the cookie is HttpOnly)
// nor compute. It needs no server-side state, so any API replica can check
// it.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("fundflow web form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newKey is a fresh Idempotency-Key for a rendered form.
func newKey() string { return rand.Text() }

// signedIn admits a request only with a session whose token the API still
// accepts, checks the CSRF token on every post, and puts the user in the
// context for the page.
func (s *server) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			s.toSignIn(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), tokenKey, c.Value)
		m, err := s.whoAmI(ctx)
		if err != nil {
			var p *problem
			if errors.As(err, &p) && p.Status == http.StatusUnauthorized {
				setCookie(w, r, sessionCookie, "", -1)
				s.toSignIn(w, r)
				return
			}
			s.fail(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			err := s.readPost(w, r)
			if r.MultipartForm != nil {
				defer func() { _ = r.MultipartForm.RemoveAll() }()
			}
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe) && isUpload(r):
				// The CSRF token cannot be read from a body cut short, so the
				// upload page is told only to say the file is too large; it
				// sends nothing to the API.
				ctx = context.WithValue(ctx, tooLargeKey, true)
			case err != nil:
				s.renderError(w, r, http.StatusBadRequest, "The form could not be read", "Go back and try again.")
				return
			case !hmac.Equal([]byte(r.PostFormValue("csrf_token")), []byte(csrfToken(c.Value))):
				s.renderError(w, r, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
				return
			}
		}
		next(w, r.WithContext(context.WithValue(ctx, meKey, m)))
	}
}

// uploadRoute names the one page route that takes a file.
const uploadRoute = "upload-document"

// uploadEnvelope is room for the multipart boundaries, part headers and the
// form's other fields around the file itself.
const uploadEnvelope = 64 << 10

func isUpload(r *http.Request) bool {
	rt := mux.CurrentRoute(r)
	return rt != nil && rt.GetName() == uploadRoute
}

// readPost reads a posted form under maxForm, except on the upload route,
// which takes a multipart form as large as the API's upload limit. There
// the file spills to one temporary file once it outgrows maxForm, and the
// page streams it on to the API from there.
func (s *server) readPost(w http.ResponseWriter, r *http.Request) error {
	if isUpload(r) {
		r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+uploadEnvelope)
		return r.ParseMultipartForm(maxForm)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	// A page that takes a small file, such as a fund definition, posts
	// it as multipart within the ordinary bound.
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxForm)
	}
	return r.ParseForm()
}

// uploadTooLarge reports whether the posted file was over the limit.
func uploadTooLarge(ctx context.Context) bool { b, _ := ctx.Value(tooLargeKey).(bool); return b }

func (s *server) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// signInForm is the sign-in page. In this release a user pastes the API
// token they were issued; a single sign-on provider would replace this page
// and nothing else.
func (s *server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "sign-in", view{Title: "Sign in", Data: s.signInPage(safeNext(r.URL.Query().Get("next")))})
}

type signIn struct {
	Next    string
	Issuers []Issuer
}

func (s *server) signInPage(next string) signIn {
	d := signIn{Next: next}
	if s.signin != nil {
		d.Issuers = s.signin.Issuers
	}
	return d
}

func (s *server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	_ = r.ParseForm()
	token := strings.TrimSpace(r.PostFormValue("token"))
	data := s.signInPage(safeNext(r.PostFormValue("next")))
	bad := func(msg string) {
		s.render(w, r, http.StatusUnauthorized, "sign-in", view{Title: "Sign in", Data: data,
			Errors: []fieldError{{Field: "token", Message: msg}}})
	}
	if token == "" {
		bad("Enter your access token")
		return
	}
	m, err := s.whoAmI(context.WithValue(r.Context(), tokenKey, token))
	if err != nil {
		var p *problem
		if errors.As(err, &p) && p.Status == http.StatusUnauthorized {
			bad("That access token is not valid. Check you copied all of it")
			return
		}
		s.fail(w, r, err)
		return
	}
	setCookie(w, r, sessionCookie, token, 12*60*60)
	to := data.Next
	if to == "/" {
		to = startPage(string(m.Role))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) {
	if s.signin != nil {
		if err := s.signin.Sessions.EndSession(r.Context(), tokenFrom(r.Context())); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	setCookie(w, r, sessionCookie, "", -1)
	s.flash(w, r, "You have signed out")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// startPage is where each role's work begins.
// whoAmI is GET /v1/me with the token in ctx.
func (s *server) whoAmI(ctx context.Context) (*apiclient.Me, error) {
	res, err := s.api.GetMeWithResponse(ctx)
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

func startPage(role string) string {
	switch role {
	case "reviewer":
		return "/reviews"
	case "panel_chair":
		return "/panel"
	case "programme_manager":
		return "/programme"
	case "admin":
		return "/funds"
	}
	return "/applications"
}

// flash leaves a one-line confirmation for the page a post redirects to.
func (s *server) flash(w http.ResponseWriter, r *http.Request, msg string) {
	setCookie(w, r, flashCookie, url.QueryEscape(msg), 60)
}

func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	setCookie(w, r, flashCookie, "", -1)
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}
