package api

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
)

// sse reads events from a stream until it has n or the deadline passes.
func sse(t *testing.T, url, token, lastID string, n int) (ids, data []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for len(data) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			ids = append(ids, strings.TrimPrefix(line, "id: "))
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
	return ids, data
}

func TestEventsAreFilteredAndResumable(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.handler)
	defer srv.Close()
	ctx := context.Background()
	put := func(id, org, status string, v int64) {
		if _, err := h.readModel.Put(ctx, application.Row{ID: id, FundID: "f", OrgCode: org, Status: status, Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	put("a-quy", "QUY", "submitted", 1)
	put("a-7a1", "7A1", "submitted", 1)
	put("a-quy", "QUY", "eligibility", 2)

	ids, data := sse(t, srv.URL, h.token(fundflow.RoleApplicant, "QUY"), "0", 2)
	if len(data) != 2 || strings.Contains(strings.Join(data, ""), "7A1") {
		t.Fatalf("applicant saw %v", data)
	}
	staffIDs, staff := sse(t, srv.URL, h.token(fundflow.RoleProgrammeManager, ""), "0", 3)
	if len(staff) != 3 {
		t.Fatalf("staff saw %v", staff)
	}

	// Resuming from the first event gives exactly what came after it.
	go func() {
		time.Sleep(200 * time.Millisecond)
		put("a-quy", "QUY", "assessment", 3)
	}()
	_, after := sse(t, srv.URL, h.token(fundflow.RoleApplicant, "QUY"), ids[1], 1)
	if len(after) != 1 || !strings.Contains(after[0], `"status":"assessment"`) {
		t.Fatalf("resumed stream: %v", after)
	}
	if staffIDs[0] >= staffIDs[2] {
		t.Fatalf("ids not increasing: %v", staffIDs)
	}
	rec := h.do("GET", "/v1/events?last_event_id=bogus", h.token(fundflow.RoleAdmin, ""), nil)
	wantProblem(t, rec, 422, fundflow.EVALIDATION)
}
