package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
)

func TestLetterVerifyIsRateLimitedPerAddress(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		rdb, prefix := testredis.New(t)
		h := NewServer(Deps{Temporal: newStandInTemporal(), Redis: rdb, Tokens: auth.NewStore(rdb, prefix, nil, nil),
			ReadModel: readmodel.NewStore(rdb, prefix), KeyPrefix: prefix, Now: func() time.Time { return today },
			VerifyRateLimit: redis_rate.PerMinute(3), TrustForwardedFor: trusted})
		check := func(remote, xff string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "/v1/letters/FF-app_1-OFFER-1/verify?sha256="+strings.Repeat("a", 64), nil)
			req.RemoteAddr = remote + ":4000"
			if xff != "" {
				req.Header.Set("X-Forwarded-For", xff)
			}
			return httptestServe(h, req)
		}
		for i := range 3 {
			// Without a trusted proxy, a forged header buys nothing.
			if rec := check("10.0.0.1", "198.51.100."+string(rune('1'+i))); rec.Code != http.StatusOK && !trusted {
				t.Fatalf("check %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		rec := check("10.0.0.1", "198.51.100.1")
		if trusted {
			// Behind the proxy each forwarded address has its own budget:
			// 198.51.100.1 has used one of three.
			if rec.Code != http.StatusOK {
				t.Fatalf("trusted: second check from 198.51.100.1: %d", rec.Code)
			}
			for range 2 {
				check("10.0.0.1", "203.0.113.9, 198.51.100.1")
			}
			rec = check("10.0.0.1", "198.51.100.1")
		}
		wantProblem(t, rec, http.StatusTooManyRequests, fundflow.ERATELIMITED)
		if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After = %q", ra)
		}
		if rec := check("10.0.0.2", ""); rec.Code != http.StatusOK {
			t.Fatalf("another address was limited: %d", rec.Code)
		}
	}
}
