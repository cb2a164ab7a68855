package fund

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// TestCheckRecentCatchesCorruption: what an operation could break since the
// last check is caught by the incremental check alone.
func TestCheckRecentCatchesCorruption(t *testing.T) {
	corruptions := map[string]func(l *Ledger){
		"balance edited":    func(l *Ledger) { l.Balances.AvailablePence++; l.Balances.TotalPence++ },
		"figures disagree":  func(l *Ledger) { l.Balances.DrawnPence += 5 },
		"new entry wrong":   func(l *Ledger) { l.Entries[len(l.Entries)-1].AmountPence = 7 },
		"new entry seq":     func(l *Ledger) { l.Entries[len(l.Entries)-1].Seq = 1 },
		"account edited":    func(l *Ledger) { l.Accounts[2].ReservedPence = 0; l.Accounts[2].CommittedPence = 100 },
		"new duplicate key": func(l *Ledger) { l.Entries[len(l.Entries)-1].Key = l.Entries[0].Key },
		"waitlist order":    func(l *Ledger) { l.Waitlist[0], l.Waitlist[1] = l.Waitlist[1], l.Waitlist[0] },
		"registered twice":  func(l *Ledger) { l.Submissions = append(l.Submissions, l.Submissions[0]) },
		"too many awards":   func(l *Ledger) { l.Limits.MaxAwards = 1 },
		"entry without move": func(l *Ledger) {
			l.Entries = append(l.Entries, Entry{Seq: 5, Kind: KindReserve, ApplicationID: "z", AmountPence: 1, Key: "z"})
		},
	}
	for name, corrupt := range corruptions {
		l := small()
		must[Entry](t)(l.Reserve("1", "a", 100, chair, t0))
		must[Entry](t)(l.Reserve("2", "b", 100, chair, t0))
		must[[]string](t)(l.RegisterSubmission("a", "QHL", t0))
		must[int](t)(l.Join("w1", 100, 2, t0))
		must[int](t)(l.Join("w2", 100, 1, t0))
		checked(t, l)
		// The operation under check, then the corruption.
		must[Entry](t)(l.Reserve("3", "c", 100, chair, t0))
		must[Entry](t)(l.Release("4", "c", "changed mind", chair, t0))
		corrupt(l)
		if l.CheckRecent() == nil {
			t.Errorf("%s: not caught", name)
		}
	}
}

// TestIndexSurvivesContinueAsNew: a ledger decoded from its JSON, as after
// Continue-As-New, answers from a fresh index, and a ledger whose slices
// were replaced under it does not trust the old one.
func TestIndexSurvivesContinueAsNew(t *testing.T) {
	l := small()
	for i := range 3 {
		must[Entry](t)(l.Reserve(fmt.Sprint("k", i), fmt.Sprint("app", i), 100, chair, t0))
		must[[]string](t)(l.RegisterSubmission(fmt.Sprint("app", i), "QHL", t0))
	}
	checked(t, l)
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var next Ledger
	if err := json.Unmarshal(b, &next); err != nil {
		t.Fatal(err)
	}
	if e, ok := next.EntryByKey("k1"); !ok || e.ApplicationID != "app1" {
		t.Errorf("decoded ledger lost key k1: %+v %v", e, ok)
	}
	if err := next.CheckRecent(); err != nil {
		t.Fatal(err)
	}
	if next.submissionIndex("app2") != 2 {
		t.Errorf("decoded ledger lost submission app2")
	}

	l.Entries = l.Entries[:1]
	l.Submissions = l.Submissions[:1]
	if _, ok := l.EntryByKey("k2"); ok {
		t.Errorf("truncated statement still finds k2 through a stale index")
	}
	if l.submissionIndex("app2") >= 0 {
		t.Errorf("truncated submissions still find app2 through a stale index")
	}
}

// BenchmarkLedgerUpdate is one credit operation and the invariant check the
// fund workflow runs after it, with the statement at several lengths: the
// full check it ran before (CheckInvariants) beside the incremental one it
// runs now (CheckRecent). The operation itself looks its key up by index.
func BenchmarkLedgerUpdate(b *testing.B) {
	for _, size := range []int{10, 100, 1_000, 10_000} {
		for _, check := range []struct {
			name string
			fn   func(*Ledger) error
		}{{"full", (*Ledger).CheckInvariants}, {"recent", (*Ledger).CheckRecent}} {
			b.Run(fmt.Sprintf("entries=%d/check=%s", size, check.name), func(b *testing.B) {
				l := NewLedger(Definition{TotalPence: 1 << 40, MaxAwardPence: 1 << 30, MaxAwards: 1 << 20})
				at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				for i := range size / 2 {
					app := fmt.Sprintf("app-%06d", i)
					if _, err := l.Reserve("r"+app, app, 100, chair, at); err != nil {
						b.Fatal(err)
					}
					if _, err := l.RegisterSubmission(app, "QHL", at); err != nil {
						b.Fatal(err)
					}
					if _, err := l.Commit("c"+app, app, chair, at); err != nil {
						b.Fatal(err)
					}
				}
				if err := check.fn(l); err != nil {
					b.Fatal(err)
				}
				// The statement is append-only, so every 50 operations the
				// benchmark moves to a fresh copy of the prepared ledger,
				// keeping its length within 100 entries of size. The copies
				// are made, and checked once, before the clock starts.
				prepared, err := json.Marshal(l)
				if err != nil {
					b.Fatal(err)
				}
				copies := make([]*Ledger, b.N/50+1)
				for i := range copies {
					copies[i] = &Ledger{}
					if err := json.Unmarshal(prepared, copies[i]); err != nil {
						b.Fatal(err)
					}
					if err := check.fn(copies[i]); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				b.ResetTimer()
				for n := range b.N {
					l := copies[n/50]
					// Reserve and release one application's credit, as
					// cmd/fundflow BenchmarkUpdates does.
					app := fmt.Sprintf("bench-%d", n)
					if _, err := l.Reserve(fmt.Sprint("br", n), app, 1, chair, at); err != nil {
						b.Fatal(err)
					}
					if err := check.fn(l); err != nil {
						b.Fatal(err)
					}
					if _, err := l.Release(fmt.Sprint("bx", n), app, "bench", chair, at); err != nil {
						b.Fatal(err)
					}
					if err := check.fn(l); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
