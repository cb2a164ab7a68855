// Package devidp is the OpenID provider `fundflow dev` runs, built on
// zitadel's op package: discovery, authorization code flow with PKCE,
// signed ID tokens and a JWKS, like any production issuer, so dev signs in
// exactly as production does. Its login page is a one-click list of the
// seeded people. It keeps everything in memory and is for development and
// tests only.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Person is someone who can sign in.
type Person struct {
	// Label is how the login page lists them.
	Label string
	Email string
	Name  string
}

// Config is one provider.
type Config struct {
	// Issuer is the provider's URL, e.g. http://127.0.0.1:8080/dev/oidc;
	// the handler is served under its path.
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURIs []string
	People       []Person
	// IDTokenLifetime defaults to five minutes.
	IDTokenLifetime time.Duration
}

// New builds the provider's handler, to be served at the Issuer's path.
func New(cfg Config) (http.Handler, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if cfg.IDTokenLifetime == 0 {
		cfg.IDTokenLifetime = 5 * time.Minute
	}
	st := &storage{cfg: cfg, key: key, kid: rand.Text()[:12], requests: map[string]*authRequest{}, codes: map[string]string{}}
	var crypto [32]byte
	if _, err := rand.Read(crypto[:]); err != nil {
		return nil, err
	}
	provider, err := op.NewOpenIDProvider(cfg.Issuer, &op.Config{CryptoKey: crypto, CodeMethodS256: true, AuthMethodPost: true}, st, op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", st.loginPage)
	mux.HandleFunc("POST /login", st.login)
	mux.Handle("/", provider)
	prefix := strings.TrimSuffix(pathOf(cfg.Issuer), "/")
	return http.StripPrefix(prefix, mux), nil
}

func pathOf(issuer string) string {
	rest, ok := strings.CutPrefix(issuer, "http://")
	if !ok {
		rest, _ = strings.CutPrefix(issuer, "https://")
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		return rest[i:]
	}
	return ""
}

var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in as – fundflow dev identity provider</title>
<link rel="stylesheet" href="/assets/nhsuk-frontend.min.css"></head>
<body><main class="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">
<h1 class="nhsuk-heading-l">Sign in as</h1>
<p>This is fundflow dev's own identity provider. Choose who to sign in as.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="id" value="{{.ID}}">
<ul class="nhsuk-list">{{range .People}}
<li><button class="nhsuk-button nhsuk-button--secondary" type="submit" name="email" value="{{.Email}}">{{.Label}}</button></li>{{end}}
</ul></form></main></body></html>`))

type storage struct {
	cfg Config
	key *rsa.PrivateKey
	kid string

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code → request id
}

func (s *storage) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	_ = loginTemplate.Execute(w, map[string]any{"ID": r.URL.Query().Get("id"), "People": s.cfg.People, "Action": strings.TrimSuffix(pathOf(s.cfg.Issuer), "/") + "/login"})
}

func (s *storage) login(w http.ResponseWriter, r *http.Request) {
	id, email := r.PostFormValue("id"), r.PostFormValue("email")
	s.mu.Lock()
	req, ok := s.requests[id]
	known := slices.ContainsFunc(s.cfg.People, func(p Person) bool { return p.Email == email })
	if ok && known {
		req.subject, req.done, req.authTime = email, true, time.Now()
	}
	s.mu.Unlock()
	if !ok || !known {
		http.Error(w, "unknown sign-in request or person", http.StatusBadRequest)
		return
	}
	// The provider's own callback finishes the request: it mints the code
	// and redirects to the client. (op.AuthCallbackURL needs the issuer in
	// the context, which only the provider's router sets.)
	http.Redirect(w, r, strings.TrimSuffix(s.cfg.Issuer, "/")+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
}

func (s *storage) person(email string) (Person, bool) {
	i := slices.IndexFunc(s.cfg.People, func(p Person) bool { return p.Email == email })
	if i < 0 {
		return Person{}, false
	}
	return s.cfg.People[i], true
}

var errNotFound = errors.New("not found")

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	req := &authRequest{id: rand.Text(), r: *r, created: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[s.codes[code]]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once a code is redeemed, so a code works once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return rand.Text(), time.Now().Add(5 * time.Minute), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not supported")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.kid }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{kid: s.kid, key: s.key}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{kid: s.kid, key: s.key}}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.cfg.ClientID {
		return nil, errNotFound
	}
	return client{s.cfg, strings.TrimSuffix(pathOf(s.cfg.Issuer), "/") + "/login"}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.cfg.ClientID || secret != s.cfg.ClientSecret {
		return errors.New("wrong client credentials")
	}
	return nil
}

func (s *storage) userinfo(info *oidc.UserInfo, subject string) error {
	p, ok := s.person(subject)
	if !ok {
		return errNotFound
	}
	info.Subject = p.Email
	info.Email = p.Email
	info.EmailVerified = true
	info.Name = p.Name
	return nil
}

func (s *storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, userID, _ string, _ []string) error {
	return s.userinfo(info, userID)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	return s.userinfo(info, subject)
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not supported")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// The ID token carries the email claims themselves, as Entra's does, so
// the relying party needs no userinfo call.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	return s.userinfo(info, r.GetSubject())
}

type authRequest struct {
	id       string
	r        oidc.AuthRequest
	created  time.Time
	subject  string
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string              { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.r.ClientID }
func (a *authRequest) GetNonce() string                   { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.r.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.r.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.r.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.r.Scopes }
func (a *authRequest) GetState() string                   { return a.r.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: a.r.CodeChallengeMethod}
}

type client struct {
	cfg      Config
	loginURL string
}

func (c client) GetID() string                       { return c.cfg.ClientID }
func (c client) RedirectURIs() []string              { return c.cfg.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) LoginURL(id string) string           { return c.loginURL + "?id=" + id }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration      { return c.cfg.IDTokenLifetime }
func (c client) DevMode() bool                       { return true }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }
