package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/api"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/devtest/devidp"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// oidcRig is fundflow's web and API in front of a real OpenID provider
// (zitadel's op, as `fundflow dev` runs it) over real HTTP, with a
// directory cache holding one invited person.
type oidcRig struct {
	t       *testing.T
	web     *httptest.Server
	signin  *SignIn
	tokens  *auth.Store
	issuers map[string]*httptest.Server
}

const (
	invitedEmail   = "jo.hughes@example.nhs.uk"
	uninvitedEmail = "someone.else@example.nhs.uk"
)

func newOIDCRig(t *testing.T) *oidcRig {
	rdb, prefix := testredis.New(t)
	tokens := auth.NewStore(rdb, prefix, nil, nil)
	jo := directory.User{ID: directory.UserID(invitedEmail), Name: "Jo Hughes", Email: invitedEmail, OrgCode: "QUY",
		Roles: []fundflow.Role{fundflow.RoleApplicant}, Active: true, Rev: 1}
	if err := tokens.Rebuild(context.Background(), directory.State{Users: []directory.User{jo}}); err != nil {
		t.Fatal(err)
	}
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	rig := &oidcRig{t: t, tokens: tokens, issuers: map[string]*httptest.Server{}}
	var h http.Handler
	rig.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(rig.web.Close)
	rig.signin = &SignIn{PublicURL: rig.web.URL, Sessions: tokens, Redis: rdb, KeyPrefix: prefix}
	for _, id := range []string{"nhs", "other"} {
		rig.signin.Issuers = append(rig.signin.Issuers, rig.provider(id))
	}
	h, err = NewServer(Deps{SignIn: rig.signin, API: api.NewServer(api.Deps{Redis: rdb, Tokens: tokens, Orgs: orgs, KeyPrefix: prefix})})
	if err != nil {
		t.Fatal(err)
	}
	return rig
}

// provider starts a real OpenID provider on its own port, with the same
// client registered on each, as a second tenant might.
func (rig *oidcRig) provider(id string) Issuer {
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	rig.t.Cleanup(srv.Close)
	is := Issuer{ID: id, Label: "Provider " + id, URL: srv.URL + "/oidc", ClientID: "fundflow", ClientSecret: "s3cret"}
	var err error
	h, err = devidp.New(devidp.Config{Issuer: is.URL, ClientID: is.ClientID, ClientSecret: is.ClientSecret,
		RedirectURIs: []string{rig.web.URL + "/sign-in/nhs/callback", rig.web.URL + "/sign-in/other/callback"},
		People:       []devidp.Person{{Label: "Jo", Email: invitedEmail, Name: "Jo"}, {Label: "Else", Email: uninvitedEmail, Name: "Else"}}})
	if err != nil {
		rig.t.Fatal(err)
	}
	rig.issuers[id] = srv
	return is
}

// browser is a cookie jar that never follows redirects, so each hop can be
// checked.
func (rig *oidcRig) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (rig *oidcRig) get(c *http.Client, u string) *http.Response {
	rig.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		rig.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// authorize starts a sign-in with fundflow and returns the provider's
// authorization URL.
func (rig *oidcRig) authorize(c *http.Client, issuer string) *url.URL {
	rig.t.Helper()
	resp := rig.get(c, rig.web.URL+"/sign-in/"+issuer)
	if resp.StatusCode != http.StatusFound {
		rig.t.Fatalf("start sign-in: %d", resp.StatusCode)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

// login plays the person at the provider: its login page, then a choice,
// until the provider redirects back to fundflow's callback.
func (rig *oidcRig) login(c *http.Client, authorize *url.URL, email string) *url.URL {
	rig.t.Helper()
	resp := rig.get(c, authorize.String())
	login, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasSuffix(login.Path, "/login") {
		rig.t.Fatalf("authorize redirected to %s (%d)", login, resp.StatusCode)
	}
	base := authorize.Scheme + "://" + authorize.Host
	r, err := c.PostForm(base+login.Path, url.Values{"id": {login.Query().Get("id")}, "email": {email}})
	if err != nil {
		rig.t.Fatal(err)
	}
	r.Body.Close()
	resp = rig.get(c, r.Header.Get("Location"))
	back, _ := url.Parse(resp.Header.Get("Location"))
	if back.Query().Get("code") == "" {
		rig.t.Fatalf("the provider did not return a code: %s", back)
	}
	return back
}

// finish delivers the callback and returns fundflow's answer, its page and
// the session cookie, if any.
func (rig *oidcRig) finish(c *http.Client, callback string) (int, string, string) {
	rig.t.Helper()
	resp, err := c.Get(callback)
	if err != nil {
		rig.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var session string
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.MaxAge >= 0 {
			session = ck.Value
		}
	}
	return resp.StatusCode, string(b), session
}

func (rig *oidcRig) refused(c *http.Client, callback string, status int, says string) {
	rig.t.Helper()
	code, page, session := rig.finish(c, callback)
	if code != status || !strings.Contains(page, says) {
		rig.t.Fatalf("callback: %d, want %d with %q; page:\n%s", code, status, says, page)
	}
	if session != "" {
		rig.t.Fatal("a refused sign-in set a session")
	}
}

func TestOIDCSignIn(t *testing.T) {
	rig := newOIDCRig(t)

	t.Run("success", func(t *testing.T) {
		c := rig.browser()
		back := rig.login(c, rig.authorize(c, "nhs"), invitedEmail)
		code, _, session := rig.finish(c, back.String())
		if code != http.StatusSeeOther || !strings.HasPrefix(session, auth.SessionPrefix) {
			t.Fatalf("callback: %d, session %q", code, session)
		}
		p, err := rig.tokens.Authenticate(context.Background(), session)
		if err != nil || p.ID != directory.UserID(invitedEmail) || p.OrgCode != "QUY" || p.Role != fundflow.RoleApplicant {
			t.Fatalf("the session acts as %+v, %v", p, err)
		}
		// A replayed callback finds its state spent.
		rig.refused(c, back.String(), http.StatusBadRequest, "This sign-in link has expired")

		// A replayed code with a fresh state is refused by the provider.
		fresh := rig.authorize(c, "nhs")
		q := back.Query()
		q.Set("state", fresh.Query().Get("state"))
		rig.refused(c, rig.web.URL+"/sign-in/nhs/callback?"+q.Encode(), http.StatusUnauthorized, "did not accept this sign-in")

		// Signing out ends the session on the server.
		if err := rig.tokens.EndSession(context.Background(), session); err != nil {
			t.Fatal(err)
		}
		if _, err := rig.tokens.Authenticate(context.Background(), session); err == nil {
			t.Fatal("an ended session still works")
		}
	})

	t.Run("wrong state", func(t *testing.T) {
		c := rig.browser()
		back := rig.login(c, rig.authorize(c, "nhs"), invitedEmail)
		q := back.Query()
		q.Set("state", "forged")
		rig.refused(c, rig.web.URL+"/sign-in/nhs/callback?"+q.Encode(), http.StatusBadRequest, "This sign-in link has expired")
	})

	t.Run("another browser", func(t *testing.T) {
		c := rig.browser()
		back := rig.login(c, rig.authorize(c, "nhs"), invitedEmail)
		rig.refused(rig.browser(), back.String(), http.StatusBadRequest, "This sign-in link has expired")
	})

	t.Run("expired ID token", func(t *testing.T) {
		rig.signin.Now = func() time.Time { return time.Now().Add(time.Hour) }
		defer func() { rig.signin.Now = nil }()
		// The verifier reads the clock when it is built, on first use.
		rig.signin.mu.Lock()
		rig.signin.providers = nil
		rig.signin.mu.Unlock()
		defer func() { rig.signin.mu.Lock(); rig.signin.providers = nil; rig.signin.mu.Unlock() }()
		c := rig.browser()
		back := rig.login(c, rig.authorize(c, "nhs"), invitedEmail)
		rig.refused(c, back.String(), http.StatusUnauthorized, "could not be verified")
	})

	t.Run("code from another issuer", func(t *testing.T) {
		// The sign-in starts with one provider and comes back with a code
		// from another, carrying the first one's state, nonce and PKCE
		// challenge: fundflow redeems it with the provider it chose, which
		// knows nothing of it.
		c := rig.browser()
		start := rig.authorize(c, "nhs")
		other := *start
		other.Host = strings.TrimPrefix(rig.issuers["other"].URL, "http://")
		back := rig.login(c, &other, invitedEmail)
		rig.refused(c, back.String(), http.StatusUnauthorized, "did not accept this sign-in")
	})

	t.Run("nobody invited this email", func(t *testing.T) {
		c := rig.browser()
		back := rig.login(c, rig.authorize(c, "nhs"), uninvitedEmail)
		rig.refused(c, back.String(), http.StatusForbidden, "You have not been invited to fundflow")
	})
}
