//go:build !nodev

package main

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/fundflow/fundflow/internal/devtest/devidp"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/web"
)

// devIdentityPath is where dev serves its OpenID provider, on its own HTTP
// server.
const devIdentityPath = "/dev/oidc"

// devIdentityProvider is dev's OpenID provider, with the seeded people on
// its "sign in as" list, and the issuer entry the web signs in through:
// discovery, code flow with PKCE and JWKS, as with any production issuer.
func devIdentityProvider(baseURL string, people []devseed.Person) (http.Handler, web.Issuer, error) {
	is := web.Issuer{ID: "dev", Label: "the fundflow dev identity provider", URL: baseURL + devIdentityPath,
		ClientID: "fundflow-dev", ClientSecret: rand.Text()}
	var ps []devidp.Person
	for _, p := range people {
		ps = append(ps, devidp.Person{Label: p.Label, Email: strings.ToLower(p.Email), Name: p.Name})
	}
	h, err := devidp.New(devidp.Config{Issuer: is.URL, ClientID: is.ClientID, ClientSecret: is.ClientSecret,
		RedirectURIs: []string{baseURL + "/sign-in/" + is.ID + "/callback"}, People: ps})
	return h, is, err
}

func withDevIdentityProvider(h, idp http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(devIdentityPath+"/", idp)
	mux.Handle("/", h)
	return mux
}
