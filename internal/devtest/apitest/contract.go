// Package apitest checks real HTTP responses against fundflow's OpenAPI
// document, so handlers and their documentation cannot drift apart.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Contract is a loaded, validated OpenAPI document.
type Contract struct {
	router routers.Router
}

func init() {
	// Bodies that are documents rather than JSON are checked for their
	// status and content type only.
	for _, ct := range []string{"text/html", "text/csv", "application/pdf", "text/event-stream"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// Load fails the test unless doc is a valid OpenAPI 3 document.
func Load(t testing.TB, doc []byte) *Contract {
	t.Helper()
	d, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(d)
	if err != nil {
		t.Fatal(err)
	}
	return &Contract{router: router}
}

// Check fails the test unless the route, status, content type and body of
// a response are documented.
func (c *Contract) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	// The router matches on the server URL "/", so only the path counts.
	probe := req.Clone(context.Background())
	probe.URL.Scheme, probe.URL.Host, probe.Host = "", "", ""
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		t.Errorf("%s %s is not in openapi.json: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, status, err, body)
	}
}

// CheckRequest fails the test unless a request, with its body, is one the
// document accepts: its route, parameters and JSON body. It is for stand-ins
// of the API, so what a client sends is held to the contract too.
func (c *Contract) CheckRequest(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	probe := req.Clone(context.Background())
	probe.URL.Scheme, probe.URL.Host, probe.Host = "", "", ""
	probe.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		t.Errorf("%s %s is not in openapi.json: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("%s %s does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, err, body)
	}
}
