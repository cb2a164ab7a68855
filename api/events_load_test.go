package api

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/application"
)

// openStreams opens n event streams and waits until each has its opening
// comment; they close when ctx ends.
func openStreams(tb testing.TB, ctx context.Context, url, token string, n int) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
				errs <- err
				return
			}
			go func() { <-ctx.Done(); resp.Body.Close() }()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

func getMe(c *http.Client, url, token string) (time.Duration, error) {
	req, _ := http.NewRequest("GET", url+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("GET /v1/me: %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

// TestStreamsDoNotStarveRequests holds 200 event streams open on one
// process while ordinary requests run. Each stream used to hold a pooled
// Redis connection in a blocking read, so requests queued for a connection
// for seconds; now one reader serves every stream. The bound is generous,
// for a shared machine; the latency itself is measured by
// BenchmarkMeWithOpenStreams.
func TestStreamsDoNotStarveRequests(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.handler)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	openStreams(t, ctx, srv.URL, h.token(fundflow.RoleAdmin, ""), 200)
	me := h.token(fundflow.RoleReviewer, "")
	c := &http.Client{Timeout: 3 * time.Second}
	for i := range 30 {
		if _, err := getMe(c, srv.URL, me); err != nil {
			t.Fatalf("request %d with 200 streams open: %v", i, err)
		}
	}
}

// TestFilteredStreamsGetKeepAlives is an applicant's stream while every
// event is another organisation's: it still hears a keep-alive.
func TestFilteredStreamsGetKeepAlives(t *testing.T) {
	defer func(d time.Duration) { keepAlive = d }(keepAlive)
	keepAlive = 300 * time.Millisecond
	h := newHarness(t)
	srv := httptest.NewServer(h.handler)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go func() {
		for v := int64(1); ctx.Err() == nil; v++ {
			_, _ = h.readModel.Put(context.Background(), application.Row{ID: "a-7a1", FundID: "f", OrgCode: "7A1",
				Status: []string{"submitted", "eligibility"}[v%2], Version: v})
			time.Sleep(50 * time.Millisecond)
		}
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+h.token(fundflow.RoleApplicant, "QUY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var keepAlives int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == ": keep-alive":
			keepAlives++
		case strings.HasPrefix(line, "data: "):
			t.Fatalf("applicant saw another organisation's event: %s", line)
		}
	}
	if keepAlives < 3 {
		t.Fatalf("%d keep-alives in 2s at one per 300ms", keepAlives)
	}
}

// BenchmarkMeWithOpenStreams is GET /v1/me on one process with 0 and with
// 200 event streams open, reporting p50 and p99 over b.N requests.
func BenchmarkMeWithOpenStreams(b *testing.B) {
	for _, n := range []int{0, 200} {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			h := newHarness(b)
			srv := httptest.NewServer(h.handler)
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			openStreams(b, ctx, srv.URL, h.token(fundflow.RoleAdmin, ""), n)
			me := h.token(fundflow.RoleReviewer, "")
			c := &http.Client{Timeout: 30 * time.Second}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				d, err := getMe(c, srv.URL, me)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, d)
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
