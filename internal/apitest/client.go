package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// Client calls a running fundflow over HTTP, as its users do, and checks
// every response against the OpenAPI document.
type Client struct {
	t        testing.TB
	base     string
	contract *Contract
	http     *http.Client
}

// NewClient calls the fundflow at base, such as "http://127.0.0.1:8080",
// checking responses against doc (api.OpenAPIDocument()).
func NewClient(t testing.TB, base string, doc []byte) *Client {
	return &Client{t: t, base: base, contract: Load(t, doc), http: &http.Client{Timeout: time.Minute}}
}

// Do sends a request with a JSON body, when body is not nil, and decodes
// the JSON answer into out, when out is not nil. It returns the status.
func (c *Client) Do(method, path, token string, body, out any) int {
	c.t.Helper()
	return c.DoKey(method, path, token, "", body, out)
}

// DoKey is Do with an Idempotency-Key, when key is not empty.
func (c *Client) DoKey(method, path, token, key string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	status, _, b := c.send(req, token)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return status
}

// Raw fetches a body that is not JSON (a PDF, a CSV), still checked
// against the OpenAPI document.
func (c *Client) Raw(path, token string) (int, http.Header, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.send(req, token)
}

func (c *Client) send(req *http.Request, token string) (int, http.Header, []byte) {
	c.t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.contract.Check(c.t, req, resp.StatusCode, resp.Header, b)
	return resp.StatusCode, resp.Header, b
}
