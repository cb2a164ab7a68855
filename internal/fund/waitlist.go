package fund

import (
	"cmp"
	"slices"
	"time"

	"github.com/fundflow/fundflow"
)

// WaitlistEntry is an approved application waiting for credit. The list is
// kept in promotion order: highest rank score first, then earliest to join,
// then application id, so ties always break the same way.
type WaitlistEntry struct {
	ApplicationID string    `json:"application_id"`
	AmountPence   int64     `json:"amount_pence"`
	RankScore     int       `json:"rank_score"`
	JoinedAt      time.Time `json:"joined_at"`
}

func compareWaitlist(a, b WaitlistEntry) int {
	return cmp.Or(
		cmp.Compare(b.RankScore, a.RankScore),
		a.JoinedAt.Compare(b.JoinedAt),
		cmp.Compare(a.ApplicationID, b.ApplicationID),
	)
}

// Position is an application's 1-based place on the waitlist, 0 when it is
// not waiting.
func (l *Ledger) Position(app string) int {
	return slices.IndexFunc(l.Waitlist, func(w WaitlistEntry) bool { return w.ApplicationID == app }) + 1
}

// CheckJoin reports whether Join would succeed, changing nothing.
func (l *Ledger) CheckJoin(app string, amount int64, rank int) error {
	var v fundflow.Invalid
	required(&v, "application_id", app)
	l.validAmount(&v, amount)
	if err := v.Err("the waitlist entry is invalid"); err != nil {
		return err
	}
	if i := l.Position(app) - 1; i >= 0 {
		if w := l.Waitlist[i]; w.AmountPence != amount || w.RankScore != rank {
			return fundflow.Errorf(fundflow.EINVALIDSTATE,
				"application %s is already waitlisted for %d pence at rank %d; leave first to change it", app, w.AmountPence, w.RankScore)
		}
		return nil
	}
	return l.canHold(app)
}

// Join puts an application on the waitlist and returns its position.
// Joining again with the same amount and rank changes nothing.
func (l *Ledger) Join(app string, amount int64, rank int, at time.Time) (int, error) {
	if err := l.CheckJoin(app, amount, rank); err != nil {
		return 0, err
	}
	if l.Position(app) == 0 {
		w := WaitlistEntry{ApplicationID: app, AmountPence: amount, RankScore: rank, JoinedAt: at.UTC()}
		i, _ := slices.BinarySearchFunc(l.Waitlist, w, compareWaitlist)
		l.Waitlist = slices.Insert(l.Waitlist, i, w)
	}
	return l.Position(app), nil
}

// Leave takes an application off the waitlist, reporting whether it was on.
func (l *Ledger) Leave(app string) bool {
	n := len(l.Waitlist)
	l.Waitlist = slices.DeleteFunc(l.Waitlist, func(w WaitlistEntry) bool { return w.ApplicationID == app })
	return len(l.Waitlist) < n
}

// PromoteFromWaitlist reserves credit for waiting applications while an
// award slot is free: each time, for the first entry in promotion order
// whose amount fits what is available, so a large request at the top does
// not block smaller ones behind it. The reservations are the system's, with
// reason ReasonWaitlistPromotion, and are returned in the order made.
func (l *Ledger) PromoteFromWaitlist(at time.Time) []Entry {
	var made []Entry
	for {
		// IndexFunc stops at the first fit, so p is that entry's plan.
		var p plan
		i := slices.IndexFunc(l.Waitlist, func(w WaitlistEntry) bool {
			var err error
			p, err = l.planReserve(l.promotionKey(w.ApplicationID), w.ApplicationID, w.AmountPence)
			return err == nil
		})
		if i < 0 {
			return made
		}
		l.Waitlist = slices.Delete(l.Waitlist, i, i+1)
		p.entry.Reason = ReasonWaitlistPromotion
		made = append(made, l.record(p, fundflow.System, at))
	}
}
