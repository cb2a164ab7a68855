package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
)

// BenchmarkApplicationReads seeds applications through the real workflows
// (FUNDFLOW_BENCH_APPS, default 1000) and reports p50/p99 over HTTP of a
// single application and of a filtered list page (read from the Redis
// projections). The single read is measured three ways side by side: from
// the workflow Query (the baseline: a min_version no application has
// reached sends every read there), from the projection with the version
// the caller last saw as min_version, and with no hint at all.
func BenchmarkApplicationReads(b *testing.B) {
	n := 1000
	if v := os.Getenv("FUNDFLOW_BENCH_APPS"); v != "" {
		fmt.Sscan(v, &n)
	}
	s := stack.Start(b, stack.Options{Args: []string{"--rate-limit", "0"}})
	out, errs, err := s.Run(b, "seed", "--applications", strconv.Itoa(n))
	if err != nil {
		b.Fatalf("seed: %v\n%s", err, errs)
	}
	b.Log(strings.TrimSpace(out))
	admin := s.Tokens(b)["admin"].Token
	var ids []string
	var versions []int64
	for cursor := ""; ; {
		var l struct {
			Items []struct {
				ID      string `json:"id"`
				Version int64  `json:"version"`
			} `json:"items"`
			Next *string `json:"next_cursor"`
		}
		getJSON(b, s.API+"/v1/applications?limit=200&cursor="+cursor, admin, &l)
		for _, it := range l.Items {
			ids = append(ids, it.ID)
			versions = append(versions, it.Version)
		}
		if l.Next == nil {
			break
		}
		cursor = *l.Next
	}
	if len(ids) != n {
		b.Fatalf("the read model lists %d of %d applications", len(ids), n)
	}
	for _, read := range []struct {
		name string
		url  func(i int) string
	}{
		{"get_by_id_query", func(i int) string {
			return s.API + "/v1/applications/" + ids[(i*7919)%n] + "?min_version=9223372036854775807"
		}},
		{"get_by_id_projection", func(i int) string {
			return fmt.Sprintf("%s/v1/applications/%s?min_version=%d", s.API, ids[(i*7919)%n], versions[(i*7919)%n])
		}},
		{"get_by_id_no_hint", func(i int) string { return s.API + "/v1/applications/" + ids[(i*7919)%n] }},
		{"list_page_filtered", func(int) string { return s.API + "/v1/applications?fund_id=" + fund.SeedID + "&org_code=QUY&limit=50" }},
	} {
		b.Run(fmt.Sprintf("%s/n=%d", read.name, n), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			i := 0
			for b.Loop() {
				start := time.Now()
				getJSON(b, read.url(i), admin, nil)
				lat = append(lat, time.Since(start))
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99_µs")
		})
	}
}

func getJSON(b *testing.B, url, token string, out any) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}
