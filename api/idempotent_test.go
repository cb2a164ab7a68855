package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/idempotency"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
)

// middlewareServer wraps a counting handler in the real middleware chain
// (authentication, rate limit, idempotency) over a real Redis.
func middlewareServer(t *testing.T, limit redis_rate.Limit, handler http.HandlerFunc) (http.Handler, func(fundflow.Role) string) {
	t.Helper()
	rdb, prefix := testredis.New(t)
	tokens := auth.NewStore(rdb, prefix, nil, nil)
	s := &server{
		Deps:        Deps{Redis: rdb, Tokens: tokens, KeyPrefix: prefix, RateLimit: limit},
		Idempotency: idempotency.NewStore(rdb, prefix, 24*time.Hour),
		log:         slog.New(slog.DiscardHandler),
	}
	h := s.authenticate(s.rateLimit(s.idempotent(handler)))
	token := func(role fundflow.Role) string {
		tok, _ := authtest.Token(t, tokens, role, "", string(role))
		return tok
	}
	return h, token
}

func post(h http.Handler, token, key, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/v1/things", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestIdempotencyKeys(t *testing.T) {
	var calls atomic.Int64
	h, token := middlewareServer(t, redis_rate.Limit{}, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		time.Sleep(100 * time.Millisecond) // long enough for duplicates to overlap
		w.Header().Set("Location", "/v1/things/1")
		writeJSON(w, http.StatusCreated, map[string]any{"call": n, "echo": string(b)})
	})
	admin, other := token(fundflow.RoleAdmin), token(fundflow.RoleAdmin)

	first := post(h, admin, "k-1", `{"a":1}`)
	if first.Code != 201 {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	again := post(h, admin, "k-1", `{"a":1}`)
	if again.Code != 201 || again.Body.String() != first.Body.String() || again.Header().Get("Location") != "/v1/things/1" ||
		again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s %v", again.Code, again.Body, again.Header())
	}
	if calls.Load() != 1 {
		t.Fatalf("handler ran %d times for one key", calls.Load())
	}
	wantProblem(t, post(h, admin, "k-1", `{"a":2}`), 422, fundflow.EIDEMPOTENCYREUSED)

	// Keys are scoped to the caller: another token's k-1 is a new request.
	if rec := post(h, other, "k-1", `{"a":1}`); rec.Code != 201 || calls.Load() != 2 {
		t.Fatalf("another caller's key: %d, %d calls", rec.Code, calls.Load())
	}

	// A double-click: ten identical requests at once act once and all get
	// the same answer.
	var wg sync.WaitGroup
	bodies := make([]string, 10)
	for i := range bodies {
		wg.Go(func() { bodies[i] = post(h, admin, "double-click", `{"b":1}`).Body.String() })
	}
	wg.Wait()
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("duplicates answered differently: %q vs %q", b, bodies[0])
		}
	}
	if calls.Load() != 3 {
		t.Fatalf("handler ran %d times, want 3", calls.Load())
	}

	// Without a key every request acts.
	post(h, admin, "", `{"c":1}`)
	post(h, admin, "", `{"c":1}`)
	if calls.Load() != 5 {
		t.Fatalf("keyless requests: %d calls, want 5", calls.Load())
	}
	wantProblem(t, post(h, admin, "bad key with spaces", `{}`), 422, fundflow.EVALIDATION)
}

// TestOnlySuccessesAreRemembered retries with one key after each kind of
// refusal: an offer whose letter is still being written, evidence citing a
// file still being scanned, a server error. None of them did anything, so
// the retry is judged afresh and succeeds, and only then is the answer
// replayed.
func TestOnlySuccessesAreRemembered(t *testing.T) {
	refusals := []*fundflow.Error{
		fundflow.Errorf(fundflow.EINVALIDSTATE, "the offer letter is still being prepared; try again in a minute"),
		{Code: fundflow.EVALIDATION, Message: "document doc_1 is still being scanned; try again in a minute"},
		fundflow.Errorf(fundflow.EUNAVAILABLE, "down"),
	}
	var calls atomic.Int64
	h, token := middlewareServer(t, redis_rate.Limit{}, func(w http.ResponseWriter, r *http.Request) {
		if n := int(calls.Add(1)); n <= len(refusals) {
			writeProblem(w, statusOf[refusals[n-1].Code], refusals[n-1])
			return
		}
		writeJSON(w, 200, map[string]int64{"call": calls.Load()})
	})
	lead := token(fundflow.RoleApplicant)
	for _, e := range refusals {
		wantProblem(t, post(h, lead, "accept-offer", `{}`), statusOf[e.Code], e.Code)
	}
	first := post(h, lead, "accept-offer", `{}`)
	if first.Code != 200 {
		t.Fatalf("the retry after the refusals: %d %s", first.Code, first.Body)
	}
	again := post(h, lead, "accept-offer", `{}`)
	if again.Code != 200 || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" || calls.Load() != 4 {
		t.Fatalf("the success is not replayed: %d %s, %d calls", again.Code, again.Body, calls.Load())
	}
}

func TestRateLimitPerToken(t *testing.T) {
	h, token := middlewareServer(t, redis_rate.Limit{Rate: 3, Burst: 3, Period: time.Minute}, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"ok": "yes"})
	})
	a, b := token(fundflow.RoleReviewer), token(fundflow.RoleReviewer)
	for i := range 3 {
		if rec := post(h, a, "", `{}`); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := post(h, a, "", `{}`)
	wantProblem(t, rec, 429, fundflow.ERATELIMITED)
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	if rec := post(h, b, "", `{}`); rec.Code != 200 {
		t.Fatalf("another token was limited: %d", rec.Code)
	}
}

// TestAClientThatTimesOutGetsTheOriginalAnswer is the stuck key: the
// client gives up after 50 ms, the work carries on and is remembered, and
// the retry, a moment later, replays it rather than waiting or acting again.
func TestAClientThatTimesOutGetsTheOriginalAnswer(t *testing.T) {
	var calls, finished atomic.Int64
	h, token := middlewareServer(t, redis_rate.Limit{}, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
			writeProblem(w, 500, fundflow.Errorf(fundflow.EINTERNAL, "cancelled"))
			return
		case <-time.After(300 * time.Millisecond):
		}
		finished.Add(1)
		writeJSON(w, http.StatusCreated, map[string]string{"id": "app_1"})
	})
	admin := token(fundflow.RoleAdmin)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/v1/things", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Idempotency-Key", "timeout-1")
	done := make(chan struct{})
	go func() { h.ServeHTTP(httptest.NewRecorder(), req); close(done) }()
	<-ctx.Done()
	start := time.Now()
	rec := post(h, admin, "timeout-1", `{}`)
	if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("retry took %s", took)
	}
	<-done
	if calls.Load() != 1 || finished.Load() != 1 {
		t.Fatalf("handler ran %d times, finished %d", calls.Load(), finished.Load())
	}
}

// TestAClaimWhoseRequestDiedIsTakenOver is kill -9 mid-request: the claim
// stays behind with nobody to complete it, and a retry after the pending
// window proceeds instead of being refused for minutes.
func TestAClaimWhoseRequestDiedIsTakenOver(t *testing.T) {
	rdb, prefix := testredis.New(t)
	store := idempotency.NewStore(rdb, prefix, time.Hour).WithPending(300 * time.Millisecond)
	ctx := context.Background()
	if o, _, err := store.Begin(ctx, "k", "h", 0); err != nil || o != idempotency.Proceed {
		t.Fatalf("first claim: %v %v", o, err)
	}
	// Keys that never expire, as on the in-process stand-in, must not
	// keep the claim alive.
	if err := rdb.Persist(ctx, prefix+"idem:k").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	o, _, err := store.Begin(ctx, "k", "h", 2*time.Second)
	if err != nil || o != idempotency.Proceed {
		t.Fatalf("retry: %v %v", o, err)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > time.Second {
		t.Fatalf("retry proceeded after %s, want just after the 300ms window", took)
	}
}
