package readmodel

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkReads measures p50 and p99 of the three reads the API serves from
// projections — one application, a filtered list page, and a fund's panel
// ranking — at 1,000, 10,000 and 100,000 applications. Flat numbers across
// sizes are the point.
func BenchmarkReads(b *testing.B) {
	statuses := []string{"submitted", "eligibility", "assessment", "panel", "rejected", "offered", "in_deployment"}
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s, ctx := newStore(b), context.Background()
			load(b, s, n, statuses)
			for _, read := range []struct {
				name string
				fn   func(i int) error
			}{
				{"get", func(i int) error { _, err := s.Get(ctx, fmt.Sprintf("app-%09d", i%n)); return err }},
				{"list_page", func(int) error {
					_, _, err := s.List(ctx, Filter{FundID: "fund-1", Status: "assessment"}, "", 50)
					return err
				}},
				{"panel", func(int) error { _, err := s.Panel(ctx, "fund-1", 0, 50); return err }},
			} {
				b.Run(read.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					i := 0
					for b.Loop() {
						start := time.Now()
						if err := read.fn(i); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(start))
						i += 7919
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99_µs")
				})
			}
		})
	}
}

func load(b *testing.B, s *Store, n int, statuses []string) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		pipe := s.rdb.Pipeline()
		for i := start; i < min(start+1000, n); i++ {
			a := app(fmt.Sprintf("app-%09d", i), fmt.Sprintf("fund-%d", i%3), statuses[i%len(statuses)], fmt.Sprintf("ORG%02d", i%40), 1)
			score := 100 + i%400
			a.WeightedScore = &score
			row := fmt.Sprintf(`{"id":%q,"fund_id":%q,"status":%q,"org_code":%q,"version":1}`, a.ID, a.FundID, a.Status, a.OrgCode)
			keys := append([]string{s.rowKey(a.ID), s.countKey(a.FundID), s.panelKey(a.FundID), s.eventsKey()}, s.listKeys(a.FundID, a.Status, a.OrgCode)...)
			upsertScript.Run(ctx, pipe, keys, a.ID, 1, row, a.Status, score, a.FundID, a.OrgCode, maxEvents, "0")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
