package fund

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/fundflow/fundflow"
)

// TestLedgerProperties drives a ledger with random sequences of every
// operation, including retries of earlier keys, and checks after each step
// that the invariants hold, that Check agreed with the operation, and that
// each success moved exactly the money it should.
func TestLedgerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := rapid.Int64Range(1, 2000).Draw(t, "total")
		maxAward := rapid.Int64Range(1, total).Draw(t, "max_award")
		l := NewLedger(Definition{
			TotalPence:    total,
			MaxAwardPence: maxAward,
			MaxAwards:     rapid.IntRange(1, 4).Draw(t, "max_awards"),
		})
		apps := rapid.SampledFrom([]string{"a", "b", "c", "d", "e", "f"})
		milestones := rapid.SampledFrom([]string{"m1", "m2", "m3"})
		changes := rapid.SampledFrom([]string{"ch1", "ch2"})
		amount := rapid.Int64Range(-1, maxAward+1)
		// variation is positive: amount draws mostly small numbers, and a
		// change of nothing, refused at once, leads nowhere.
		variation := rapid.Int64Range(1, maxAward+1)
		// holder is usually an application whose account is as the
		// operation needs, so that each operation meets one often enough
		// for the next to follow: commit after reserve, an increase after
		// commit.
		holder := func(t *rapid.T, fits func(Account) bool) string {
			var ok []string
			for _, a := range l.Accounts {
				if fits(a) {
					ok = append(ok, a.ApplicationID)
				}
			}
			if len(ok) > 0 && rapid.Bool().Draw(t, "fits") {
				return rapid.SampledFrom(ok).Draw(t, "holder")
			}
			return apps.Draw(t, "app")
		}
		reserved := func(a Account) bool { return a.ReservedPence > 0 }
		committed := func(a Account) bool { return a.CommittedPence > 0 }
		holding := func(a Account) bool { return a.holds() > 0 }
		varied := func(a Account) bool { return a.VariationPence > 0 }
		now := t0
		// Some awards are accepted before the operations start, so that
		// changes to an award have one to change from the first step.
		for _, app := range []string{"a", "b"}[:rapid.IntRange(0, 2).Draw(t, "accepted")] {
			amt := rapid.Int64Range(1, maxAward).Draw(t, "accepted_amount")
			if _, err := l.Reserve("accepted-reserve-"+app, app, amt, chair, now); err == nil {
				if _, err := l.Commit("accepted-commit-"+app, app, chair, now); err != nil {
					t.Fatal(err)
				}
			}
		}
		var keys []string
		// key is usually fresh, sometimes a retry of an earlier one.
		key := func() string {
			if len(keys) > 0 && rapid.IntRange(0, 4).Draw(t, "reuse") == 0 {
				return rapid.SampledFrom(keys).Draw(t, "old_key")
			}
			k := fmt.Sprintf("k%d", len(keys))
			keys = append(keys, k)
			return k
		}
		// agree checks that Check and the operation gave the same verdict,
		// and that a success moved the balances by want, or not at all on
		// a replay.
		agree := func(t *rapid.T, check error, e Entry, err error, before Balances, n int, want func(Entry) Balances) {
			if fundflow.ErrorCode(check) != fundflow.ErrorCode(err) {
				t.Fatalf("Check said %v, the operation %v", check, err)
			}
			switch {
			case err != nil:
				if fundflow.ErrorCode(err) == fundflow.EINTERNAL {
					t.Fatalf("refusal without a code: %v", err)
				}
				if l.Balances != before || len(l.Entries) != n {
					t.Fatalf("refused operation changed the ledger")
				}
			case len(l.Entries) == n:
				if l.Balances != before || l.Entries[e.Seq-1] != e {
					t.Fatalf("replay changed the ledger or returned another entry")
				}
			default:
				if got := want(e); l.Balances != got {
					t.Fatalf("%s of %d moved balances to %+v, want %+v", e.Kind, e.AmountPence, l.Balances, got)
				}
			}
		}

		t.Repeat(map[string]func(*rapid.T){
			"reserve": func(t *rapid.T) {
				k, app, amt, b, n := key(), apps.Draw(t, "app"), amount.Draw(t, "amount"), l.Balances, len(l.Entries)
				check := l.CheckReserve(k, app, amt)
				e, err := l.Reserve(k, app, amt, chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.AvailablePence -= amt
					b.ReservedPence += amt
					return b
				})
			},
			"commit": func(t *rapid.T) {
				k, app, b, n := key(), holder(t, reserved), l.Balances, len(l.Entries)
				check := l.CheckCommit(k, app)
				e, err := l.Commit(k, app, chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.ReservedPence -= e.AmountPence
					b.CommittedPence += e.AmountPence
					return b
				})
			},
			"release": func(t *rapid.T) {
				k, app, b, n := key(), holder(t, holding), l.Balances, len(l.Entries)
				acct, _ := l.Account(app)
				check := l.CheckRelease(k, app, "withdrawn")
				e, err := l.Release(k, app, "withdrawn", chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.ReservedPence -= acct.ReservedPence + acct.VariationPence
					b.CommittedPence -= acct.CommittedPence
					b.AvailablePence += acct.ReservedPence + acct.CommittedPence + acct.VariationPence
					return b
				})
			},
			"drawdown": func(t *rapid.T) {
				k, app, m, amt := key(), holder(t, committed), milestones.Draw(t, "milestone"), amount.Draw(t, "amount")
				b, n := l.Balances, len(l.Entries)
				check := l.CheckDrawdown(k, app, m, amt)
				e, err := l.Drawdown(k, app, m, amt, chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.CommittedPence -= amt
					b.DrawnPence += amt
					return b
				})
			},
			"reserve_variation": func(t *rapid.T) {
				k, app, ch, amt := key(), holder(t, committed), changes.Draw(t, "change"), variation.Draw(t, "amount")
				b, n := l.Balances, len(l.Entries)
				check := l.CheckReserveVariation(k, app, ch, amt)
				e, err := l.ReserveVariation(k, app, ch, amt, chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.AvailablePence -= amt
					b.ReservedPence += amt
					return b
				})
			},
			"commit_variation": func(t *rapid.T) {
				k, app, ch, b, n := key(), holder(t, varied), changes.Draw(t, "change"), l.Balances, len(l.Entries)
				acct, _ := l.Account(app)
				check := l.CheckCommitVariation(k, app, ch)
				e, err := l.CommitVariation(k, app, ch, chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.ReservedPence -= acct.VariationPence
					b.CommittedPence += acct.VariationPence
					return b
				})
			},
			"release_variation": func(t *rapid.T) {
				k, app, ch, b, n := key(), holder(t, varied), changes.Draw(t, "change"), l.Balances, len(l.Entries)
				acct, _ := l.Account(app)
				check := l.CheckReleaseVariation(k, app, ch, "refused")
				e, err := l.ReleaseVariation(k, app, ch, "refused", chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.ReservedPence -= acct.VariationPence
					b.AvailablePence += acct.VariationPence
					return b
				})
			},
			"reduce": func(t *rapid.T) {
				k, app, ch, amt := key(), holder(t, committed), changes.Draw(t, "change"), variation.Draw(t, "amount")
				b, n := l.Balances, len(l.Entries)
				check := l.CheckReduce(k, app, ch, amt, "smaller")
				e, err := l.Reduce(k, app, ch, amt, "smaller", chair, now)
				agree(t, check, e, err, b, n, func(e Entry) Balances {
					b.CommittedPence -= amt
					b.AvailablePence += amt
					return b
				})
			},
			"join": func(t *rapid.T) {
				app, amt, rank := apps.Draw(t, "app"), amount.Draw(t, "amount"), rapid.IntRange(0, 3).Draw(t, "rank")
				check := l.CheckJoin(app, amt, rank)
				pos, err := l.Join(app, amt, rank, now)
				if fundflow.ErrorCode(check) != fundflow.ErrorCode(err) || err == nil && pos != l.Position(app) {
					t.Fatalf("join: check %v, err %v, position %d", check, err, pos)
				}
			},
			"leave": func(t *rapid.T) {
				l.Leave(apps.Draw(t, "app"))
			},
			"promote": func(t *rapid.T) {
				n := len(l.Entries)
				made := l.PromoteFromWaitlist(now)
				if len(l.Entries) != n+len(made) {
					t.Fatalf("promotion wrote %d entries for %d promotions", len(l.Entries)-n, len(made))
				}
				// Promotion goes on while possible: nothing left could be reserved.
				for _, w := range l.Waitlist {
					if l.CheckReserve(l.promotionKey(w.ApplicationID), w.ApplicationID, w.AmountPence) == nil {
						t.Fatalf("%s could still be promoted", w.ApplicationID)
					}
				}
			},
			"tick": func(t *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(0, 3).Draw(t, "minutes")) * time.Minute)
			},
			"": func(t *rapid.T) {
				if err := l.CheckInvariants(); err != nil {
					t.Fatal(err)
				}
				// The incremental check, which the fund workflow runs after
				// every Update, must agree with the full one.
				if err := l.CheckRecent(); err != nil {
					t.Fatal(err)
				}
				if got, want := l.Awards(), l.countAwards(); got != want {
					t.Fatalf("Awards says %d, the accounts %d", got, want)
				}
			},
		})
	})
}
