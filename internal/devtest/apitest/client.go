package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// retryFor bounds how long a command is retried through 503s.
const retryFor = 2 * time.Minute

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

// DoKey is Do with an Idempotency-Key, when key is not empty. A command
// answered 503 is sent again under the same key after its Retry-After, as
// the API asks of every client: the retry rejoins the first attempt's
// Update, so it is done once however long the engine took.
func (c *Client) DoKey(method, path, token, key string, body, out any) int {
	c.t.Helper()
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	var (
		status int
		b      []byte
	)
	for began := time.Now(); ; {
		req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(payload))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		var h http.Header
		status, h, b = c.send(req, token)
		wait, err := strconv.Atoi(h.Get("Retry-After"))
		if status != http.StatusServiceUnavailable || key == "" || err != nil || time.Since(began) > retryFor {
			break
		}
		c.t.Logf("%s %s: 503, retrying in %ds under the same Idempotency-Key", method, path, wait)
		time.Sleep(time.Duration(wait) * time.Second)
	}
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

// Send sends a request built by the caller (a multipart upload, say),
// checked against the OpenAPI document like every other.
func (c *Client) Send(req *http.Request, token string) (int, http.Header, []byte) {
	c.t.Helper()
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

// Submit submits application id under key and, where its fund asks for
// sign-off, signs it off with certifier's token (a dev certifier of the
// applicant's organisation). It returns the first status that was not
// 200, or 200.
func (c *Client) Submit(id, token, certifier, key string) int {
	c.t.Helper()
	var out struct {
		Status string `json:"status"`
	}
	if code := c.DoKey(http.MethodPost, "/v1/applications/"+id+"/submit", token, key, nil, &out); code != http.StatusOK || out.Status != "awaiting_sign_off" {
		return code
	}
	var v struct {
		SignOff struct {
			AnswersSHA256 string `json:"answers_sha256"`
		} `json:"sign_off"`
	}
	if code := c.Do(http.MethodGet, "/v1/applications/"+id, certifier, nil, &v); code != http.StatusOK {
		return code
	}
	return c.DoKey(http.MethodPost, "/v1/applications/"+id+"/sign-off", certifier, key+":sign-off",
		map[string]any{"answers_sha256": v.SignOff.AnswersSHA256, "declare": true}, nil)
}
