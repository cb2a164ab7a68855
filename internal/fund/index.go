package fund

import (
	"errors"
	"fmt"
)

// index is what the ledger derives from its own slices to answer, in time
// that does not grow with the statement, the questions every Update asks:
// which entry a key wrote, where a submission is, and whether the latest
// change kept the invariants. It is never serialised: a ledger decoded
// after Continue-As-New builds it afresh on first use, so it can never
// disagree with history. Lookups in its maps are by key only; nothing
// ranges over them, so workflow code using it stays deterministic.
type ledgerIndex struct {
	// keys maps each entry's key to its position in Entries[:entries].
	keys    map[string]int
	entries int
	// subs maps each submission to its position in Submissions[:submissions].
	subs        map[string]int
	submissions int
	// lastKey and lastSub guard against a ledger whose slices were replaced
	// or rewritten behind the index's back (a copy, a decode into the same
	// value): then the index is rebuilt rather than trusted.
	lastKey, lastSub string

	// replay is the statement Entries[:verified] replayed from nothing
	// through move, kept up to date one entry at a time by CheckRecent,
	// which compares the ledger with it; checked tells whether
	// CheckInvariants has run over the ledger this index was built for.
	replay                 *Ledger
	verified, verifiedSubs int
	awards                 int
	checked                bool

	// counted is, for each application with an account, whether it held an
	// award slot when Awards last looked, which was after the first
	// countedEntries entries; awardCount is how many did.
	counted        map[string]bool
	countedEntries int
	awardCount     int
}

func (l *Ledger) idx() *ledgerIndex {
	x := l.index
	stale := x == nil || x.entries > len(l.Entries) || x.submissions > len(l.Submissions) ||
		x.entries > 0 && l.Entries[x.entries-1].Key != x.lastKey ||
		x.submissions > 0 && l.Submissions[x.submissions-1].ApplicationID != x.lastSub
	if stale {
		x = &ledgerIndex{keys: map[string]int{}, subs: map[string]int{},
			replay: &Ledger{Limits: l.Limits, Balances: Balances{TotalPence: l.Limits.TotalPence, AvailablePence: l.Limits.TotalPence}}}
		l.index = x
	}
	return x
}

// catchUp indexes entries and submissions appended since the last call. A
// repeated key or submission keeps its first position; CheckRecent reports
// it.
func (l *Ledger) catchUp() *ledgerIndex {
	x := l.idx()
	for ; x.entries < len(l.Entries); x.entries++ {
		e := l.Entries[x.entries]
		if _, dup := x.keys[e.Key]; !dup {
			x.keys[e.Key] = x.entries
		}
		x.lastKey = e.Key
	}
	for ; x.submissions < len(l.Submissions); x.submissions++ {
		s := l.Submissions[x.submissions]
		if _, dup := x.subs[s.ApplicationID]; !dup {
			x.subs[s.ApplicationID] = x.submissions
		}
		x.lastSub = s.ApplicationID
	}
	return x
}

// awardSlot is 1 when an account counts against MaxAwards, as Awards counts.
func awardSlot(a Account) int {
	if a.holds()+a.DrawnPence > 0 {
		return 1
	}
	return 0
}

// CheckRecent verifies the invariants after an operation in time
// independent of the statement's length: the balances add up, the entries
// written since the last check have the right seq and fresh keys, the
// statement replayed through them gives the ledger's balances, award count
// and the accounts they touched, those accounts are possible, and the
// waitlist is in order. Entries written before the last check are not
// read again; CheckInvariants, which reads everything, runs whenever the
// index is built, so once per workflow run.
func (l *Ledger) CheckRecent() error {
	x := l.catchUp()
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !x.checked {
		x.checked = true
		if err := l.CheckInvariants(); err != nil {
			errs = append(errs, err)
		}
	}
	from := x.verified
	for ; x.verified < len(l.Entries); x.verified++ {
		e := l.Entries[x.verified]
		if e.Seq != int64(x.verified)+1 {
			fail("entry %d has seq %d", x.verified+1, e.Seq)
		}
		if e.Key == "" || x.keys[e.Key] != x.verified {
			fail("entry %d has an empty or repeated key %q", e.Seq, e.Key)
		}
		before, _ := x.replay.Account(e.ApplicationID)
		x.replay.move(e)
		after, _ := x.replay.Account(e.ApplicationID)
		x.awards += awardSlot(after) - awardSlot(before)
	}
	for ; x.verifiedSubs < len(l.Submissions); x.verifiedSubs++ {
		if app := l.Submissions[x.verifiedSubs].ApplicationID; x.subs[app] != x.verifiedSubs {
			fail("application %s is registered twice", app)
		}
	}

	b := l.Balances
	if b.AvailablePence < 0 || b.ReservedPence < 0 || b.CommittedPence < 0 || b.DrawnPence < 0 {
		fail("negative balance: %+v", b)
	}
	if sum := b.AvailablePence + b.ReservedPence + b.CommittedPence + b.DrawnPence; sum != b.TotalPence || sum != l.Limits.TotalPence {
		fail("balances add up to %d; the total is %d and the fund's %d", sum, b.TotalPence, l.Limits.TotalPence)
	}
	if x.replay.Balances != b {
		fail("the statement replays to %+v, not %+v", x.replay.Balances, b)
	}
	if x.awards > l.Limits.MaxAwards {
		fail("%d awards exceed the limit of %d", x.awards, l.Limits.MaxAwards)
	}
	for _, e := range l.Entries[from:] {
		a, _ := l.Account(e.ApplicationID)
		r, _ := x.replay.Account(e.ApplicationID)
		if !sameAccount(a, r) {
			fail("account %s is %+v; the statement replays to %+v", e.ApplicationID, a, r)
		}
		if !l.possible(a) {
			fail("impossible account %+v", a)
		}
	}
	errs = append(errs, l.checkWaitlist()...)
	return errors.Join(errs...)
}

// possible is whether an account's figures could be right: none negative,
// a reservation held with neither a commitment nor a variation, a
// variation named exactly when it holds credit, and the whole within the
// maximum award.
func (l *Ledger) possible(a Account) bool {
	return a.ReservedPence >= 0 && a.CommittedPence >= 0 && a.DrawnPence >= 0 && a.VariationPence >= 0 &&
		!(a.ReservedPence > 0 && a.CommittedPence+a.VariationPence > 0) &&
		(a.VariationPence > 0) == (a.Variation != "") &&
		a.holds()+a.DrawnPence <= l.Limits.MaxAwardPence
}

// checkWaitlist checks the waitlist is in promotion order, each application
// on it once and holding nothing. Its time grows with the waitlist, never
// with the statement.
func (l *Ledger) checkWaitlist() []error {
	var errs []error
	seen := make(map[string]bool, len(l.Waitlist)) // looked up, never ranged over
	for i, w := range l.Waitlist {
		if i > 0 && compareWaitlist(l.Waitlist[i-1], w) >= 0 {
			errs = append(errs, fmt.Errorf("waitlist out of order at %s", w.ApplicationID))
		}
		if seen[w.ApplicationID] {
			errs = append(errs, fmt.Errorf("application %s is on the waitlist twice", w.ApplicationID))
		}
		seen[w.ApplicationID] = true
		if l.canHold(w.ApplicationID) != nil {
			errs = append(errs, fmt.Errorf("waitlisted application %s holds or has drawn credit", w.ApplicationID))
		}
	}
	return errs
}

// entryIndex is where the entry with this key is in Entries.
func (l *Ledger) entryIndex(key string) (int, bool) {
	i, ok := l.catchUp().keys[key]
	return i, ok
}

// submissionIndex is where app is in Submissions, -1 when it is not.
func (l *Ledger) submissionIndex(app string) int {
	if i, ok := l.catchUp().subs[app]; ok {
		return i
	}
	return -1
}
