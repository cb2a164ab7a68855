package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/directory"
)

// Issuer is one OpenID Connect provider people may sign in through.
type Issuer struct {
	// ID names the issuer in its sign-in and callback paths.
	ID    string `json:"id"`
	Label string `json:"label"`
	// URL is the issuer identifier, such as
	// https://login.microsoftonline.com/{tenant}/v2.0 for Entra ID.
	URL          string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// EmailClaims are the ID-token claims read for the person's email, in
	// order; the default is ["email"], which must come with
	// email_verified true. A claim other than "email" (Entra's
	// preferred_username) is trusted as the issuer's word, so name it only
	// for an issuer whose tenant verifies its users' addresses.
	EmailClaims []string `json:"email_claims,omitempty"`
}

// SignIn is single sign-on for the web.
type SignIn struct {
	Issuers []Issuer
	// PublicURL is where browsers reach fundflow; callbacks are
	// PublicURL/sign-in/{issuer}/callback.
	PublicURL string
	Sessions  Sessions
	// Redis keeps each sign-in's state, nonce and PKCE verifier for the
	// ten minutes it may take, under KeyPrefix.
	Redis     redis.UniversalClient
	KeyPrefix string
	// HTTPClient reaches the issuers; nil is http.DefaultClient.
	HTTPClient *http.Client
	// Now is the verifier's clock; nil is time.Now.
	Now func() time.Time

	mu        sync.Mutex
	providers map[string]*provider
}

// Sessions turns a verified email into a session for its invited person;
// *auth.Store is one.
type Sessions interface {
	// StartSession fails with auth.ErrNotInvited for an email nobody
	// active holds.
	StartSession(ctx context.Context, email string) (string, directory.User, error)
	EndSession(ctx context.Context, token string) error
}

type provider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	issuer   Issuer
}

const (
	signInCookie = "fundflow_signin"
	signInTTL    = 10 * time.Minute
)

// pending is what one sign-in remembers between leaving for the issuer and
// coming back: checked once, then deleted.
type pending struct {
	Issuer   string `json:"issuer"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	// Browser is the hash of the sign-in cookie, binding the state to the
	// browser that started it.
	Browser string `json:"browser"`
}

func (si *SignIn) ctx(ctx context.Context) context.Context {
	if si.HTTPClient != nil {
		return oidc.ClientContext(ctx, si.HTTPClient)
	}
	return ctx
}

// provider discovers an issuer on first use, so fundflow starts even while
// an issuer is unreachable.
func (si *SignIn) provider(ctx context.Context, id string) (*provider, error) {
	si.mu.Lock()
	defer si.mu.Unlock()
	if p, ok := si.providers[id]; ok {
		return p, nil
	}
	i := slices.IndexFunc(si.Issuers, func(is Issuer) bool { return is.ID == id })
	if i < 0 {
		return nil, errNoIssuer
	}
	is := si.Issuers[i]
	op, err := oidc.NewProvider(si.ctx(ctx), is.URL)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", is.URL, err)
	}
	cfg := &oidc.Config{ClientID: is.ClientID, Now: si.Now}
	p := &provider{issuer: is, verifier: op.Verifier(cfg), oauth: oauth2.Config{
		ClientID: is.ClientID, ClientSecret: is.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: strings.TrimSuffix(si.PublicURL, "/") + "/sign-in/" + is.ID + "/callback",
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}}
	if si.providers == nil {
		si.providers = map[string]*provider{}
	}
	si.providers[id] = p
	return p, nil
}

var errNoIssuer = errors.New("no such issuer")

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (s *server) pendingKey(state string) string {
	return s.signin.KeyPrefix + "oidc:state:" + hashHex(state)
}

// startSignIn sends the browser to the issuer with a fresh state, nonce
// and PKCE challenge.
func (s *server) startSignIn(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["issuer"]
	p, err := s.signin.provider(r.Context(), id)
	if errors.Is(err, errNoIssuer) {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "There is no such way to sign in.")
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "identity provider unreachable", "issuer", id, "error", err)
		s.renderError(w, r, http.StatusBadGateway, "Sign-in is not available", "We could not reach "+p.label(id)+". Try again in a few minutes.")
		return
	}
	state, nonce, browser, verifier := rand.Text(), rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	b, _ := json.Marshal(pending{Issuer: id, Nonce: nonce, Verifier: verifier, Next: safeNext(r.URL.Query().Get("next")), Browser: hashHex(browser)})
	if err := s.signin.Redis.Set(r.Context(), s.pendingKey(state), b, signInTTL).Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	setCookie(w, r, signInCookie, browser, int(signInTTL.Seconds()))
	http.Redirect(w, r, p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (p *provider) label(id string) string {
	if p == nil {
		return "the identity provider"
	}
	return p.issuer.Label
}

// refuse is every failed sign-in: a clear page, no session, and the
// sign-in cookie gone.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, status int, heading, body string) {
	setCookie(w, r, signInCookie, "", -1)
	s.render(w, r, status, "sign-in-refused", view{Title: heading, Data: errorPage{Heading: heading, Body: body}})
}

// finishSignIn is the issuer's redirect back: it checks state, browser
// and nonce, redeems the code with its PKCE verifier, verifies the ID
// token against the issuer's keys, and signs in the invited person whose
// verified email it carries.
func (s *server) finishSignIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["issuer"]
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.refuse(w, r, http.StatusUnauthorized, "You were not signed in", "The identity provider did not sign you in ("+clip(e, 60)+"). Try again.")
		return
	}
	state := q.Get("state")
	b, err := s.signin.Redis.GetDel(ctx, s.pendingKey(state)).Bytes()
	if errors.Is(err, redis.Nil) || state == "" {
		s.refuse(w, r, http.StatusBadRequest, "This sign-in link has expired", "Sign-in links work once, for ten minutes, in the browser that asked for them. Start again from the sign-in page.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pd pending
	c, cerr := r.Cookie(signInCookie)
	if json.Unmarshal(b, &pd) != nil || pd.Issuer != id || cerr != nil || hashHex(c.Value) != pd.Browser {
		s.refuse(w, r, http.StatusBadRequest, "This sign-in link has expired", "Sign-in links work once, for ten minutes, in the browser that asked for them. Start again from the sign-in page.")
		return
	}
	p, err := s.signin.provider(ctx, id)
	if err != nil {
		s.refuse(w, r, http.StatusBadGateway, "Sign-in is not available", "We could not reach the identity provider. Try again in a few minutes.")
		return
	}
	tok, err := p.oauth.Exchange(s.signin.ctx(ctx), q.Get("code"), oauth2.VerifierOption(pd.Verifier))
	if err != nil {
		s.log.WarnContext(ctx, "sign-in code refused", "issuer", id, "error", err)
		s.refuse(w, r, http.StatusUnauthorized, "You were not signed in", "The identity provider did not accept this sign-in. Start again from the sign-in page.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.verifier.Verify(s.signin.ctx(ctx), raw)
	if err != nil || idt.Nonce != pd.Nonce {
		s.log.WarnContext(ctx, "ID token refused", "issuer", id, "error", err)
		s.refuse(w, r, http.StatusUnauthorized, "You were not signed in", "The identity provider's answer could not be verified. Start again from the sign-in page.")
		return
	}
	email, ok := p.email(idt)
	if !ok {
		s.refuse(w, r, http.StatusForbidden, "Your email address could not be confirmed", p.issuer.Label+" did not confirm your email address, which is how fundflow knows you. Ask your administrator.")
		return
	}
	session, _, err := s.signin.Sessions.StartSession(ctx, email)
	if errors.Is(err, auth.ErrNotInvited) {
		s.refuse(w, r, http.StatusForbidden, "You have not been invited to fundflow",
			"You signed in as "+email+", but nobody has invited that address, or its access has ended. Ask your fund's administrator to invite you.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setCookie(w, r, signInCookie, "", -1)
	setCookie(w, r, sessionCookie, session, 12*60*60)
	to := pd.Next
	if to == "/" {
		if m, err := s.whoAmI(context.WithValue(ctx, tokenKey, session)); err == nil {
			to = startPage(string(m.Role))
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// email is the person's address from the ID token: the first configured
// claim present, and for "email" only when email_verified is true.
func (p *provider) email(idt *oidc.IDToken) (string, bool) {
	var claims map[string]any
	if idt.Claims(&claims) != nil {
		return "", false
	}
	names := p.issuer.EmailClaims
	if len(names) == 0 {
		names = []string{"email"}
	}
	for _, n := range names {
		v, _ := claims[n].(string)
		if v == "" || !strings.Contains(v, "@") {
			continue
		}
		if n == "email" {
			if verified, _ := claims["email_verified"].(bool); !verified {
				continue
			}
		}
		return directory.NormalEmail(v), true
	}
	return "", false
}
