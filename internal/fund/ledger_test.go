package fund

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

var (
	t0    = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	chair = fundflow.Actor{ID: "u1", Name: "Panel Chair", Role: fundflow.RolePanelChair}
)

// small is a fund of 1,000p with awards of at most 400p, three of them.
func small() *Ledger {
	return NewLedger(Definition{TotalPence: 1000, MaxAwardPence: 400, MaxAwards: 3})
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func checked(t *testing.T, l *Ledger) {
	t.Helper()
	if err := l.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckRecent(); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerLifecycleOfAnAward(t *testing.T) {
	l := small()
	entry := must[Entry](t)
	entry(l.Reserve("k1", "a", 400, chair, t0))
	entry(l.Commit("k2", "a", chair, t0))
	entry(l.Drawdown("k3", "a", "m1", 100, chair, t0))
	rel := entry(l.Release("k4", "a", "terminated", chair, t0))
	checked(t, l)

	if rel.AmountPence != 300 {
		t.Errorf("released %d, want the undrawn 300", rel.AmountPence)
	}
	want := Balances{TotalPence: 1000, AvailablePence: 900, DrawnPence: 100}
	if l.Balances != want {
		t.Errorf("balances %+v, want %+v", l.Balances, want)
	}
	if l.Awards() != 1 {
		t.Error("an award that drew credit keeps its slot")
	}
	var kinds []EntryKind
	for _, e := range l.Entries {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []EntryKind{KindReserve, KindCommit, KindDrawdown, KindRelease}) {
		t.Errorf("statement %v", kinds)
	}
	if e := l.Entries[3]; e.Seq != 4 || e.Actor != chair || e.Reason != "terminated" || e.Key != "k4" || !e.At.Equal(t0) {
		t.Errorf("entry not attributed: %+v", e)
	}
}

func TestLedgerRefusals(t *testing.T) {
	// Each case starts from: a reserved 400, b committed 300 with m1 (100) drawn.
	setup := func(t *testing.T) *Ledger {
		l := small()
		entry := must[Entry](t)
		entry(l.Reserve("r-a", "a", 400, chair, t0))
		entry(l.Reserve("r-b", "b", 300, chair, t0))
		entry(l.Commit("c-b", "b", chair, t0))
		entry(l.Drawdown("d-b", "b", "m1", 100, chair, t0))
		return l
	}
	tests := []struct {
		name string
		op   func(l *Ledger) (check, do error)
		code fundflow.Code
	}{
		{"reserve nothing", reserve("k", "c", 0), fundflow.EVALIDATION},
		{"reserve negative", reserve("k", "c", -5), fundflow.EVALIDATION},
		{"reserve above max award", reserve("k", "c", 401), fundflow.EVALIDATION},
		{"reserve without key", reserve("", "c", 10), fundflow.EVALIDATION},
		{"reserve without application", reserve("k", "", 10), fundflow.EVALIDATION},
		{"reserve twice for one application", reserve("k", "a", 10), fundflow.EINVALIDSTATE},
		{"reserve for a committed application", reserve("k", "b", 10), fundflow.EINVALIDSTATE},
		{"reserve more than available", reserve("k", "c", 301), fundflow.EINSUFFICIENTCREDIT},
		{"reuse a key for another amount", reserve("r-a", "a", 399), fundflow.EIDEMPOTENCYREUSED},
		{"reuse a key for another application", reserve("r-a", "c", 400), fundflow.EIDEMPOTENCYREUSED},
		{"reuse a reserve key to commit", commit("r-a", "a"), fundflow.EIDEMPOTENCYREUSED},
		{"commit without reservation", commit("k", "c"), fundflow.EINVALIDSTATE},
		{"commit twice", commit("k", "b"), fundflow.EINVALIDSTATE},
		{"release without reason", release("k", "a", ""), fundflow.EVALIDATION},
		{"release nothing held", release("k", "c", "withdrawn"), fundflow.EINVALIDSTATE},
		{"reuse a release key with another reason", func(l *Ledger) (error, error) {
			if _, err := l.Release("rel", "a", "declined", chair, t0); err != nil {
				panic(err)
			}
			return release("rel", "a", "expired")(l)
		}, fundflow.EIDEMPOTENCYREUSED},
		{"drawdown above committed", drawdown("k", "b", "m2", 201), fundflow.EINVALIDSTATE},
		{"drawdown before commit", drawdown("k", "a", "m1", 10), fundflow.EINVALIDSTATE},
		{"drawdown a milestone twice", drawdown("k", "b", "m1", 10), fundflow.EINVALIDSTATE},
		{"drawdown nothing", drawdown("k", "b", "m2", 0), fundflow.EVALIDATION},
		{"drawdown without milestone", drawdown("k", "b", "", 10), fundflow.EVALIDATION},
		{"reuse a drawdown key for another milestone", drawdown("d-b", "b", "m2", 100), fundflow.EIDEMPOTENCYREUSED},
		{"increase a reservation", reserveVariation("k", "a", "ch", 10), fundflow.EINVALIDSTATE},
		{"increase nothing held", reserveVariation("k", "c", "ch", 10), fundflow.EINVALIDSTATE},
		{"increase by nothing", reserveVariation("k", "b", "ch", 0), fundflow.EVALIDATION},
		{"increase without a change", reserveVariation("k", "b", "", 10), fundflow.EVALIDATION},
		{"increase above the max award with the drawn", reserveVariation("k", "b", "ch", 101), fundflow.EVALIDATION},
		{"increase twice at once", then(reserveVariation("v", "b", "ch1", 10), reserveVariation("k", "b", "ch2", 10)), fundflow.EINVALIDSTATE},
		{"reuse a variation key for another change", then(reserveVariation("v", "b", "ch1", 10), reserveVariation("v", "b", "ch2", 10)), fundflow.EIDEMPOTENCYREUSED},
		{"reuse a variation key for another amount", then(reserveVariation("v", "b", "ch1", 10), reserveVariation("v", "b", "ch1", 11)), fundflow.EIDEMPOTENCYREUSED},
		{"commit an increase never reserved", commitVariation("k", "b", "ch"), fundflow.EINVALIDSTATE},
		{"commit another change's increase", then(reserveVariation("v", "b", "ch1", 10), commitVariation("k", "b", "ch2")), fundflow.EINVALIDSTATE},
		{"reuse a variation key to commit", then(reserveVariation("v", "b", "ch1", 10), commitVariation("v", "b", "ch1")), fundflow.EIDEMPOTENCYREUSED},
		{"release an increase never reserved", releaseVariation("k", "b", "ch", "refused"), fundflow.EINVALIDSTATE},
		{"release an increase without reason", then(reserveVariation("v", "b", "ch1", 10), releaseVariation("k", "b", "ch1", "")), fundflow.EVALIDATION},
		{"reuse a variation key to release", then(reserveVariation("v", "b", "ch1", 10), releaseVariation("v", "b", "ch1", "refused")), fundflow.EIDEMPOTENCYREUSED},
		{"reduce more than committed", reduce("k", "b", "ch", 201, "smaller"), fundflow.EINVALIDSTATE},
		{"reduce a reservation", reduce("k", "a", "ch", 10, "smaller"), fundflow.EINVALIDSTATE},
		{"reduce by nothing", reduce("k", "b", "ch", 0, "smaller"), fundflow.EVALIDATION},
		{"reduce without reason", reduce("k", "b", "ch", 10, ""), fundflow.EVALIDATION},
		{"reduce without a change", reduce("k", "b", "", 10, "smaller"), fundflow.EVALIDATION},
		{"reuse a reduce key for another amount", then(reduce("v", "b", "ch", 10, "smaller"), reduce("v", "b", "ch", 11, "smaller")), fundflow.EIDEMPOTENCYREUSED},
		{"reuse a reduce key for another change", then(reduce("v", "b", "ch1", 10, "smaller"), reduce("v", "b", "ch2", 10, "smaller")), fundflow.EIDEMPOTENCYREUSED},
		{"reuse a reduce key with another reason", then(reduce("v", "b", "ch", 10, "smaller"), reduce("v", "b", "ch", 10, "later")), fundflow.EIDEMPOTENCYREUSED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := setup(t)
			before := len(l.Entries)
			check, do := tt.op(l)
			if fundflow.ErrorCode(check) != tt.code || fundflow.ErrorCode(do) != tt.code {
				t.Errorf("check %v, do %v; want %s from both", check, do, tt.code)
			}
			if len(l.Entries) > before+1 { // +1 for a setup step inside op
				t.Error("a refusal wrote to the statement")
			}
			checked(t, l)
		})
	}
}

func TestLedgerAwardLimit(t *testing.T) {
	l := NewLedger(Definition{TotalPence: 1000, MaxAwardPence: 100, MaxAwards: 2})
	entry := must[Entry](t)
	entry(l.Reserve("1", "a", 100, chair, t0))
	entry(l.Reserve("2", "b", 100, chair, t0))
	if _, err := l.Reserve("3", "c", 100, chair, t0); fundflow.ErrorCode(err) != fundflow.EAWARDLIMIT {
		t.Errorf("third award: %v", err)
	}
	entry(l.Release("4", "a", "declined", chair, t0))
	entry(l.Reserve("5", "c", 100, chair, t0))
	checked(t, l)
}

func TestLedgerIdempotentRetries(t *testing.T) {
	l := small()
	later := t0.Add(time.Hour)
	other := fundflow.Actor{ID: "u2", Role: fundflow.RoleAdmin}
	steps := []struct {
		name string
		do   func(at time.Time, by fundflow.Actor) (Entry, error)
	}{
		{"reserve", func(at time.Time, by fundflow.Actor) (Entry, error) { return l.Reserve("k1", "a", 400, by, at) }},
		{"commit", func(at time.Time, by fundflow.Actor) (Entry, error) { return l.Commit("k2", "a", by, at) }},
		{"drawdown", func(at time.Time, by fundflow.Actor) (Entry, error) { return l.Drawdown("k3", "a", "m", 40, by, at) }},
		{"release", func(at time.Time, by fundflow.Actor) (Entry, error) { return l.Release("k4", "a", "withdrawn", by, at) }},
	}
	for _, s := range steps {
		first, err := s.do(t0, chair)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		balances, n := l.Balances, len(l.Entries)
		again, err := s.do(later, other)
		if err != nil || again != first || l.Balances != balances || len(l.Entries) != n {
			t.Errorf("%s retry: %+v, %v; want the original %+v and no change", s.name, again, err, first)
		}
	}
	checked(t, l)
	// Retries still answer once later operations have moved on.
	if _, err := l.Reserve("k1", "a", 400, chair, later); err != nil {
		t.Errorf("late reserve retry: %v", err)
	}
}

func TestLedgerVariationsOfAnAward(t *testing.T) {
	l := small()
	entry := must[Entry](t)
	entry(l.Reserve("k1", "a", 300, chair, t0))
	entry(l.Commit("k2", "a", chair, t0))
	up := entry(l.ReserveVariation("k3", "a", "ch1", 100, chair, t0))
	if up.Variation != "ch1" || up.AmountPence != 100 {
		t.Errorf("variation entry %+v", up)
	}
	want := Balances{TotalPence: 1000, AvailablePence: 600, ReservedPence: 100, CommittedPence: 300}
	if a, _ := l.Account("a"); l.Balances != want || a.VariationPence != 100 || a.Variation != "ch1" || a.CommittedPence != 300 {
		t.Errorf("after reserving the increase: balances %+v, account %+v", l.Balances, a)
	}
	if l.Reported(StatusClosed) != StatusMonitoring {
		t.Error("an increase awaiting a decision is no offer awaiting acceptance")
	}
	if c := entry(l.CommitVariation("k4", "a", "ch1", chair, t0)); c.AmountPence != 100 {
		t.Errorf("committed %d, want the reserved 100", c.AmountPence)
	}
	entry(l.Reduce("k5", "a", "ch2", 150, "smaller cohort", chair, t0))
	want = Balances{TotalPence: 1000, AvailablePence: 750, CommittedPence: 250}
	if a, _ := l.Account("a"); l.Balances != want || a.VariationPence != 0 || a.Variation != "" || a.CommittedPence != 250 {
		t.Errorf("after the increase and the decrease: balances %+v, account %+v", l.Balances, a)
	}
	entry(l.ReserveVariation("k6", "a", "ch3", 150, chair, t0))
	entry(l.ReleaseVariation("k7", "a", "ch3", "refused", chair, t0))
	entry(l.ReserveVariation("k8", "a", "ch4", 50, chair, t0))
	checked(t, l)
	// Ending the award hands back the open increase with the commitment.
	if rel := entry(l.Release("k9", "a", "terminated", chair, t0)); rel.AmountPence != 300 {
		t.Errorf("released %d, want the committed 250 and the increase's 50", rel.AmountPence)
	}
	checked(t, l)
	if a, _ := l.Account("a"); l.Balances != (Balances{TotalPence: 1000, AvailablePence: 1000}) || a.holds() != 0 || a.Variation != "" {
		t.Errorf("after release: balances %+v, account %+v", l.Balances, a)
	}
	if l.Awards() != 0 {
		t.Error("an award released before drawing anything keeps no slot")
	}
	var kinds []EntryKind
	for _, e := range l.Entries {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []EntryKind{KindReserve, KindCommit, KindVariationReserve, KindVariationCommit, KindReduce,
		KindVariationReserve, KindVariationRelease, KindVariationReserve, KindRelease}) {
		t.Errorf("statement %v", kinds)
	}
}

func TestLedgerIncreaseNeedsCredit(t *testing.T) {
	l := small()
	entry := must[Entry](t)
	for _, app := range []string{"a", "b"} {
		entry(l.Reserve("r-"+app, app, 300, chair, t0))
		entry(l.Commit("c-"+app, app, chair, t0))
	}
	entry(l.Reserve("r-c", "c", 350, chair, t0))
	entry(l.ReserveVariation("v-a", "a", "ch-a", 40, chair, t0))
	_, err := l.ReserveVariation("v-b", "b", "ch-b", 40, chair, t0)
	var e *fundflow.Error
	if !errors.As(err, &e) || e.Code != fundflow.EINSUFFICIENTCREDIT || e.Message != "40 pence requested but only 10 pence is available" {
		t.Errorf("second increase: %v", err)
	}
	checked(t, l)
}

func TestLedgerVariationRetries(t *testing.T) {
	l := small()
	entry := must[Entry](t)
	entry(l.Reserve("r", "a", 300, chair, t0))
	entry(l.Commit("c", "a", chair, t0))
	later := t0.Add(time.Hour)
	other := fundflow.Actor{ID: "u2", Role: fundflow.RoleAdmin}
	steps := []struct {
		name string
		do   func(at time.Time, by fundflow.Actor) (Entry, error)
	}{
		{"reserve", func(at time.Time, by fundflow.Actor) (Entry, error) {
			return l.ReserveVariation("k1", "a", "ch1", 50, by, at)
		}},
		{"commit", func(at time.Time, by fundflow.Actor) (Entry, error) {
			return l.CommitVariation("k2", "a", "ch1", by, at)
		}},
		{"reduce", func(at time.Time, by fundflow.Actor) (Entry, error) {
			return l.Reduce("k3", "a", "ch2", 20, "smaller", by, at)
		}},
		{"reserve again", func(at time.Time, by fundflow.Actor) (Entry, error) {
			return l.ReserveVariation("k4", "a", "ch3", 10, by, at)
		}},
		{"release", func(at time.Time, by fundflow.Actor) (Entry, error) {
			return l.ReleaseVariation("k5", "a", "ch3", "withdrawn", by, at)
		}},
	}
	for _, s := range steps {
		first, err := s.do(t0, chair)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		balances, n := l.Balances, len(l.Entries)
		again, err := s.do(later, other)
		if err != nil || again != first || l.Balances != balances || len(l.Entries) != n {
			t.Errorf("%s retry: %+v, %v; want the original %+v and no change", s.name, again, err, first)
		}
	}
	checked(t, l)
}

func TestWaitlistOrderAndPromotion(t *testing.T) {
	l := small()
	must[Entry](t)(l.Reserve("r1", "x", 400, chair, t0))
	must[Entry](t)(l.Reserve("r2", "y", 400, chair, t0))
	join := must[int](t)
	join(l.Join("low", 100, 50, t0))
	join(l.Join("big", 400, 90, t0.Add(2*time.Minute)))
	join(l.Join("early", 150, 90, t0.Add(time.Minute)))
	join(l.Join("tie-b", 150, 70, t0))
	join(l.Join("tie-a", 150, 70, t0))
	var order []string
	for _, w := range l.Waitlist {
		order = append(order, w.ApplicationID)
	}
	if !slices.Equal(order, []string{"early", "big", "tie-a", "tie-b", "low"}) {
		t.Fatalf("order %v", order)
	}
	if p := join(l.Join("low", 100, 50, t0.Add(time.Hour))); p != 5 {
		t.Errorf("rejoining with the same terms: position %d", p)
	}
	if _, err := l.Join("low", 120, 50, t0); fundflow.ErrorCode(err) != fundflow.EINVALIDSTATE {
		t.Errorf("rejoining with other terms: %v", err)
	}
	if _, err := l.Join("x", 100, 1, t0); fundflow.ErrorCode(err) != fundflow.EINVALIDSTATE {
		t.Errorf("joining while holding credit: %v", err)
	}
	if _, err := l.Join("z", 401, 1, t0); fundflow.ErrorCode(err) != fundflow.EVALIDATION {
		t.Errorf("joining above the max award: %v", err)
	}

	// 200p available, one slot: "early" (150) fits first.
	made := l.PromoteFromWaitlist(t0)
	if len(made) != 1 || made[0].ApplicationID != "early" || made[0].Actor != fundflow.System || made[0].Reason != ReasonWaitlistPromotion {
		t.Fatalf("promoted %+v", made)
	}
	if l.Position("early") != 0 {
		t.Error("promoted application still waiting")
	}
	if more := l.PromoteFromWaitlist(t0); len(more) != 0 {
		t.Errorf("promoted with no slot free: %+v", more)
	}
	// Freeing 400p frees a slot with 450p available: "big" (400) is next and fits.
	must[Entry](t)(l.Release("rel", "x", "declined", chair, t0))
	made = l.PromoteFromWaitlist(t0)
	if len(made) != 1 || made[0].ApplicationID != "big" {
		t.Errorf("second promotion %+v", made)
	}
	// 50p left: nothing fits, even with a slot free after another release.
	must[Entry](t)(l.Release("rel2", "early", "withdrawn", chair, t0))
	made = l.PromoteFromWaitlist(t0)
	if len(made) != 1 || made[0].ApplicationID != "tie-a" {
		t.Errorf("third promotion %+v", made)
	}
	checked(t, l)

	if !l.Leave("low") || l.Leave("low") {
		t.Error("Leave should report whether the application was waiting")
	}
	checked(t, l)
}

func TestReserveTakesAnApplicationOffTheWaitlist(t *testing.T) {
	l := small()
	must[int](t)(l.Join("a", 100, 1, t0))
	must[Entry](t)(l.Reserve("k", "a", 100, chair, t0))
	if l.Position("a") != 0 {
		t.Error("reserved application still waitlisted")
	}
	checked(t, l)
}

func TestSubmissions(t *testing.T) {
	l := small()
	register := must[[]string](t)
	if got := register(l.RegisterSubmission("a1", "QUY", t0)); len(got) != 0 {
		t.Errorf("first application sees %v", got)
	}
	register(l.RegisterSubmission("b1", "7A1", t0))
	if got := register(l.RegisterSubmission("a2", "QUY", t0)); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("second application sees %v", got)
	}
	if got := register(l.RegisterSubmission("a1", "QUY", t0)); len(got) != 0 {
		t.Errorf("re-registering the first sees %v; it came first", got)
	}
	if _, err := l.RegisterSubmission("a1", "7A1", t0); fundflow.ErrorCode(err) != fundflow.EINVALIDSTATE {
		t.Errorf("re-registering for another org: %v", err)
	}
	if err := l.Retire("a1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Retire("a1"); err != nil {
		t.Errorf("retiring twice: %v", err)
	}
	if got := register(l.RegisterSubmission("a3", "QUY", t0)); !slices.Equal(got, []string{"a2"}) {
		t.Errorf("after retiring a1, a3 sees %v", got)
	}
	if _, err := l.RegisterSubmission("a1", "QUY", t0); fundflow.ErrorCode(err) != fundflow.EINVALIDSTATE {
		t.Errorf("re-registering a retired application: %v", err)
	}
	if err := l.Retire("nope"); fundflow.ErrorCode(err) != fundflow.ENOTFOUND {
		t.Errorf("retiring an unknown application: %v", err)
	}
	if _, err := l.RegisterSubmission("", "QUY", t0); fundflow.ErrorCode(err) != fundflow.EVALIDATION {
		t.Errorf("registering without an id: %v", err)
	}
	checked(t, l)
}

func TestReportedStatus(t *testing.T) {
	l := small()
	if l.Reported(StatusClosed) != StatusClosed || l.Reported(StatusOpen) != StatusOpen {
		t.Error("nothing awarded")
	}
	must[Entry](t)(l.Reserve("1", "a", 100, chair, t0))
	if l.Reported(StatusClosed) != StatusAllocating || l.Reported(StatusOpen) != StatusOpen {
		t.Error("reservation outstanding")
	}
	must[Entry](t)(l.Commit("2", "a", chair, t0))
	if l.Reported(StatusClosed) != StatusMonitoring {
		t.Error("committed")
	}
	must[Entry](t)(l.Drawdown("3", "a", "m", 100, chair, t0))
	if l.Reported(StatusClosed) != StatusMonitoring || l.Reported(StatusFinished) != StatusFinished {
		t.Error("fully drawn")
	}
}

func TestEntriesAfter(t *testing.T) {
	l := small()
	for i := range 5 {
		must[Entry](t)(l.Reserve(string(rune('a'+i)), string(rune('a'+i)), 10, chair, t0))
		if i < 3 {
			must[Entry](t)(l.Release("x"+string(rune('a'+i)), string(rune('a'+i)), "r", chair, t0))
		}
	}
	page, next := l.EntriesAfter(0, 3)
	if len(page) != 3 || page[0].Seq != 1 || next != 3 {
		t.Errorf("first page %d entries, next %d", len(page), next)
	}
	page, next = l.EntriesAfter(next, 3)
	if len(page) != 3 || page[0].Seq != 4 || next != 6 {
		t.Errorf("second page %d entries, next %d", len(page), next)
	}
	page, next = l.EntriesAfter(next, 3)
	if len(page) != 2 || next != 0 {
		t.Errorf("last page %d entries, next %d", len(page), next)
	}
	if page, _ := l.EntriesAfter(100, 0); len(page) != 0 {
		t.Error("past the end")
	}
	if page, _ := l.EntriesAfter(-1, 0); len(page) != 8 {
		t.Error("everything")
	}
}

func TestCheckInvariantsCatchesCorruption(t *testing.T) {
	corruptions := map[string]func(l *Ledger){
		"balance edited":   func(l *Ledger) { l.Balances.AvailablePence++; l.Balances.TotalPence++ },
		"figures disagree": func(l *Ledger) { l.Balances.DrawnPence += 5 },
		"entry edited":     func(l *Ledger) { l.Entries[0].AmountPence = 7 },
		"account edited":   func(l *Ledger) { l.Accounts[0].ReservedPence = 0; l.Accounts[0].CommittedPence = 100 },
		"duplicate key":    func(l *Ledger) { l.Entries[1].Key = l.Entries[0].Key },
		"waitlist order":   func(l *Ledger) { l.Waitlist[0], l.Waitlist[1] = l.Waitlist[1], l.Waitlist[0] },
		"too many awards":  func(l *Ledger) { l.Limits.MaxAwards = 1 },
	}
	for name, corrupt := range corruptions {
		l := small()
		must[Entry](t)(l.Reserve("1", "a", 100, chair, t0))
		must[Entry](t)(l.Reserve("2", "b", 100, chair, t0))
		must[int](t)(l.Join("w1", 100, 2, t0))
		must[int](t)(l.Join("w2", 100, 1, t0))
		checked(t, l)
		corrupt(l)
		if l.CheckInvariants() == nil {
			t.Errorf("%s: not caught", name)
		}
	}
}

// TestCheckInvariantsCatchesVariationCorruption starts from an award of
// 300p with an increase of 50p open.
func TestCheckInvariantsCatchesVariationCorruption(t *testing.T) {
	corruptions := map[string]func(l *Ledger){
		"unnamed":             func(l *Ledger) { l.Accounts[0].Variation = "" },
		"named without money": func(l *Ledger) { l.Accounts[0].VariationPence = 0; l.Balances.ReservedPence = 0 },
		"left off balances":   func(l *Ledger) { l.Balances.ReservedPence = 0; l.Balances.AvailablePence += 50 },
		"above the maximum":   func(l *Ledger) { l.Limits.MaxAwardPence = 320 },
		"entry edited":        func(l *Ledger) { l.Entries[2].AmountPence = 60 },
	}
	for name, corrupt := range corruptions {
		l := small()
		must[Entry](t)(l.Reserve("1", "a", 300, chair, t0))
		must[Entry](t)(l.Commit("2", "a", chair, t0))
		must[Entry](t)(l.ReserveVariation("3", "a", "ch", 50, chair, t0))
		checked(t, l)
		corrupt(l)
		if l.CheckInvariants() == nil {
			t.Errorf("%s: not caught", name)
		}
	}
}

// then is op after setup, whose own outcome is not what the case tests.
func then(setup, op func(*Ledger) (error, error)) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		setup(l)
		return op(l)
	}
}

func reserve(key, app string, amount int64) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.Reserve(key, app, amount, chair, t0)
		return l.CheckReserve(key, app, amount), err
	}
}

func commit(key, app string) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.Commit(key, app, chair, t0)
		return l.CheckCommit(key, app), err
	}
}

func release(key, app, reason string) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.Release(key, app, reason, chair, t0)
		return l.CheckRelease(key, app, reason), err
	}
}

func drawdown(key, app, milestone string, amount int64) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.Drawdown(key, app, milestone, amount, chair, t0)
		return l.CheckDrawdown(key, app, milestone, amount), err
	}
}

func reserveVariation(key, app, change string, amount int64) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.ReserveVariation(key, app, change, amount, chair, t0)
		return l.CheckReserveVariation(key, app, change, amount), err
	}
}

func commitVariation(key, app, change string) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.CommitVariation(key, app, change, chair, t0)
		return l.CheckCommitVariation(key, app, change), err
	}
}

func releaseVariation(key, app, change, reason string) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.ReleaseVariation(key, app, change, reason, chair, t0)
		return l.CheckReleaseVariation(key, app, change, reason), err
	}
}

func reduce(key, app, change string, amount int64, reason string) func(*Ledger) (error, error) {
	return func(l *Ledger) (error, error) {
		_, err := l.Reduce(key, app, change, amount, reason, chair, t0)
		return l.CheckReduce(key, app, change, amount, reason), err
	}
}
