package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// today is pinned after the April 2026 ICB mergers.
var today = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

type harness struct {
	t         testing.TB
	handler   http.Handler
	tokens    *auth.Store
	temporal  *mocks.Client
	contract  *apitest.Contract
	prefix    string
	readModel *readmodel.Store
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	rdb, prefix := testredis.New(t)
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	tc := &mocks.Client{}
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	// An empty, complete cache: an unknown token is refused without a
	// directory to ask.
	if err := tokens.Rebuild(context.Background(), directory.State{}); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, tokens: tokens, temporal: tc, contract: apitest.Load(t, OpenAPIDocument()), prefix: prefix}
	h.readModel = readmodel.NewStore(rdb, prefix)
	h.handler = NewServer(Deps{Temporal: tc, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: h.readModel, KeyPrefix: prefix,
		Now: func() time.Time { return today }})
	return h
}

func (h *harness) token(role fundflow.Role, org string) string {
	h.t.Helper()
	tok, _ := authtest.Token(h.t, h.tokens, role, org, string(role)+" tester")
	return tok
}

// do sends a request and checks the response against openapi.json.
func (h *harness) do(method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	h.contract.Check(h.t, req, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, rec.Body.String())
	}
	return v
}

func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code fundflow.Code) problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	p := decodeBody[problem](t, rec)
	if p.Code != code || p.Status != status {
		t.Fatalf("problem = %+v, want code %s status %d", p, code, status)
	}
	return p
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	t.Run("no token", func(t *testing.T) {
		rec := h.do("GET", "/v1/organisations/QUY", "", nil)
		wantProblem(t, rec, 401, fundflow.EUNAUTHORIZED)
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
	t.Run("bad token", func(t *testing.T) {
		wantProblem(t, h.do("GET", "/v1/organisations/QUY", "ff_not-a-real-token", nil), 401, fundflow.EUNAUTHORIZED)
	})
	t.Run("not a bearer scheme", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/v1/organisations/QUY", nil)
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		wantProblem(t, rec, 401, fundflow.EUNAUTHORIZED)
	})
	t.Run("every role may read the registry", func(t *testing.T) {
		for _, role := range fundflow.Roles {
			org := ""
			if role == fundflow.RoleApplicant {
				org = "QUY"
			}
			if rec := h.do("GET", "/v1/organisations/QUY", h.token(role, org), nil); rec.Code != 200 {
				t.Errorf("%s: status %d", role, rec.Code)
			}
		}
	})
}

func TestTokensAreCachedHashed(t *testing.T) {
	rdb, prefix := testredis.New(t)
	store := auth.NewStore(rdb, prefix, nil, nil)
	ctx := context.Background()
	tok, p := authtest.Token(t, store, fundflow.RoleApplicant, "QUY", "Siân Llŷr")
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		val, _ := rdb.Get(ctx, k).Result()
		if strings.Contains(val, tok) || strings.Contains(k, tok) {
			t.Fatal("the clear token is stored")
		}
	}
	got, err := store.Authenticate(ctx, tok)
	if err != nil || got.ID != p.ID || got.Role != fundflow.RoleApplicant || got.OrgCode != "QUY" {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	if _, err := store.Authenticate(ctx, tok+"x"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("altered token: %v", err)
	}
}

type orgBody struct {
	ODSCode  string `json:"ods_code"`
	Name     string `json:"name"`
	Validity struct {
		Valid     bool   `json:"valid"`
		Status    string `json:"status"`
		Successor *struct {
			ODSCode string `json:"ods_code"`
			Name    string `json:"name"`
		} `json:"successor"`
	} `json:"validity"`
}

func TestOrganisations(t *testing.T) {
	h := newHarness(t)
	tok := h.token(fundflow.RoleAdmin, "")

	t.Run("an ICB valid today", func(t *testing.T) {
		rec := h.do("GET", "/v1/organisations/QUY", tok, nil)
		o := decodeBody[orgBody](t, rec)
		if rec.Code != 200 || !strings.Contains(o.Name, "Bristol, North Somerset and South Gloucestershire") || !o.Validity.Valid {
			t.Fatalf("QUY = %d %+v", rec.Code, o)
		}
	})
	t.Run("an ICB abolished in April 2026 names its successor", func(t *testing.T) {
		o := decodeBody[orgBody](t, h.do("GET", "/v1/organisations/qhg", tok, nil))
		if o.Validity.Valid || o.Validity.Status != "abolished" || o.Validity.Successor == nil || o.Validity.Successor.ODSCode != "S1Y5D" {
			t.Fatalf("QHG = %+v", o)
		}
	})
	t.Run("the same ICB was valid before the mergers", func(t *testing.T) {
		o := decodeBody[orgBody](t, h.do("GET", "/v1/organisations/QHG?valid_on=2026-03-31", tok, nil))
		if !o.Validity.Valid {
			t.Fatalf("QHG on 2026-03-31 = %+v", o)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		wantProblem(t, h.do("GET", "/v1/organisations/NOPE", tok, nil), 404, fundflow.ENOTFOUND)
	})
	t.Run("bad date", func(t *testing.T) {
		p := wantProblem(t, h.do("GET", "/v1/organisations/QUY?valid_on=31-03-2026", tok, nil), 422, fundflow.EVALIDATION)
		if len(p.Errors) != 1 || p.Errors[0].Field != "valid_on" {
			t.Fatalf("errors = %+v", p.Errors)
		}
	})
	t.Run("search valid today", func(t *testing.T) {
		l := decodeBody[list[orgBody]](t, h.do("GET", "/v1/organisations?q=bedfordshire&valid_on=2026-11-24", tok, nil))
		if len(l.Items) != 0 {
			t.Fatalf("abolished ICB listed as valid today: %+v", l.Items)
		}
		l = decodeBody[list[orgBody]](t, h.do("GET", "/v1/organisations?q=bedfordshire", tok, nil))
		if len(l.Items) != 1 || l.Items[0].ODSCode != "QHG" {
			t.Fatalf("search without a date = %+v", l.Items)
		}
	})
	t.Run("pages cover the registry once", func(t *testing.T) {
		seen := map[string]bool{}
		path := "/v1/organisations?limit=7"
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			l := decodeBody[list[orgBody]](t, h.do("GET", path, tok, nil))
			for _, o := range l.Items {
				if seen[o.ODSCode] {
					t.Fatalf("%s listed twice", o.ODSCode)
				}
				seen[o.ODSCode] = true
			}
			if l.NextCursor == nil {
				break
			}
			path = "/v1/organisations?limit=7&cursor=" + *l.NextCursor
		}
		if len(seen) != 115 {
			t.Fatalf("listed %d organisations, the registry has 115", len(seen))
		}
	})
	t.Run("bad paging", func(t *testing.T) {
		p := wantProblem(t, h.do("GET", "/v1/organisations?limit=0&cursor=not-a-cursor!", tok, nil), 422, fundflow.EVALIDATION)
		if len(p.Errors) != 2 {
			t.Fatalf("want both limit and cursor reported, got %+v", p.Errors)
		}
	})
}

func TestOperations(t *testing.T) {
	h := newHarness(t)
	t.Run("healthz", func(t *testing.T) {
		if rec := h.do("GET", "/healthz", "", nil); rec.Code != 200 {
			t.Fatalf("healthz %d", rec.Code)
		}
	})
	t.Run("readyz up", func(t *testing.T) {
		h.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
		if rec := h.do("GET", "/readyz", "", nil); rec.Code != 200 {
			t.Fatalf("readyz %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("readyz with Temporal down", func(t *testing.T) {
		h.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(nil, errors.New("connection refused")).Once()
		rec := h.do("GET", "/readyz", "", nil)
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"temporal":"unavailable"`) {
			t.Fatalf("readyz %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("metrics count requests by route", func(t *testing.T) {
		rec := h.do("GET", "/metrics", "", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `fundflow_http_requests_total{method="GET",route="/healthz",status="200"}`) {
			t.Fatalf("metrics:\n%s", rec.Body.String())
		}
	})
	t.Run("openapi", func(t *testing.T) {
		if rec := h.do("GET", "/openapi.json", "", nil); rec.Code != 200 {
			t.Fatalf("openapi %d", rec.Code)
		}
	})
	t.Run("unknown route is a problem", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/v1/nothing-here", nil)
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		wantProblem(t, rec, 404, fundflow.ENOTFOUND)
	})
	t.Run("request ids", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-Id", "trace-1234567")
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Header().Get("X-Request-Id") != "trace-1234567" {
			t.Fatalf("request id not echoed: %q", rec.Header().Get("X-Request-Id"))
		}
		req.Header.Set("X-Request-Id", "bad id\n")
		rec = httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if id := rec.Header().Get("X-Request-Id"); len(id) != 24 {
			t.Fatalf("malformed request id reused: %q", id)
		}
	})
}
