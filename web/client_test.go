package web

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The event stream reaches the browser event by event while the API's
// handler is still running, with the user's token and where to resume.
func TestEventStreamIsRelayedAsItComes(t *testing.T) {
	fake := newFakeAPI(t)
	release := make(chan struct{})
	seen := make(chan *http.Request, 1)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/events" {
			fake.ServeHTTP(w, r)
			return
		}
		seen <- r
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("id: 7\ndata: {\"status\":\"submitted\"}\n\n"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(newTestServer(t, api))
	defer srv.Close()
	defer close(release)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "tok-applicant"})
	req.Header.Set("Last-Event-ID", "6")
	// A relay that held the stream back would never answer.
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("the stream did not start: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(res.Body).ReadString('\n')
		got <- line
	}()
	if line := <-got; line != "id: 7\n" {
		t.Fatalf("first line %q, want the first event while the stream is open", line)
	}
	r := <-seen
	if r.Header.Get("Authorization") != "Bearer tok-applicant" || r.Header.Get("Last-Event-ID") != "6" {
		t.Fatalf("the API saw Authorization %q, Last-Event-ID %q", r.Header.Get("Authorization"), r.Header.Get("Last-Event-ID"))
	}
}

// A letter is the API's answer, bytes and type, under the user's token;
// the API's refusal is the browser's too.
func TestLetterIsTheAPIsAnswer(t *testing.T) {
	api := newFakeAPI(t)
	api.on("GET /v1/letters/L-1", http.StatusOK, document{"application/pdf", "%PDF-1.4 a letter"})
	h := newTestServer(t, api)
	w := get(t, h, "tok-applicant", "/letters/L-1")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF-1.4") {
		t.Fatalf("letter: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	if c := api.calls[len(api.calls)-1]; c.Path != "/v1/letters/L-1" || c.Token != "tok-applicant" {
		t.Fatalf("the API saw %+v", c)
	}
	if w := get(t, h, "tok-applicant", "/letters/L-2"); w.Code != http.StatusNotFound {
		t.Fatalf("a letter the API does not have: %d", w.Code)
	}
}
