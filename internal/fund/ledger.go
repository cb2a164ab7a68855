package fund

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
)

// Ledger is a fund's credit, held by the fund workflow and changed by no one
// else. It is plain data so the workflow can carry it across Continue-As-New,
// and every list in it is a slice in a defined order, so workflow code that
// walks it is deterministic. Change it only through its methods.
//
// Every credit operation has a Check method that changes nothing, for the
// workflow's Update validators, and a mutating method that checks again,
// because state may move between validation and handling. Operations are
// idempotent by key: the key is kept on the statement entry the operation
// wrote, so the statement itself is the record of what has been done and a
// retry — even after Continue-As-New — returns the original entry. A refused
// operation writes nothing, so retrying it is simply a new attempt.
type Ledger struct {
	Limits   Limits   `json:"limits"`
	Balances Balances `json:"balances"`
	// Accounts are per application, sorted by application id.
	Accounts []Account `json:"accounts,omitempty"`
	// Entries is the append-only statement; Entries[i].Seq == i+1.
	Entries []Entry `json:"entries,omitempty"`
	// Waitlist is in promotion order; see WaitlistEntry.
	Waitlist []WaitlistEntry `json:"waitlist,omitempty"`
	// Submissions are in registration order and never removed, so "earlier"
	// always means the same thing.
	Submissions []Submission `json:"submissions,omitempty"`

	index *ledgerIndex // derived from the above; see ledgerIndex
}

// Limits are the definition's figures the ledger enforces.
type Limits struct {
	TotalPence    int64 `json:"total_pence"`
	MaxAwardPence int64 `json:"max_award_pence"`
	MaxAwards     int   `json:"max_awards"`
}

// Balances are the fund's figures; Total always equals the sum of the rest.
type Balances struct {
	TotalPence     int64 `json:"total_pence"`
	AvailablePence int64 `json:"available_pence"`
	ReservedPence  int64 `json:"reserved_pence"`  // for offers, and for increases awaiting a decision
	CommittedPence int64 `json:"committed_pence"` // committed and not yet drawn
	DrawnPence     int64 `json:"drawn_pence"`
}

// Account is one application's share of the fund. An application holds
// either a reservation or a commitment, never both: commit moves the whole
// reservation. Beside a commitment it may hold a variation reservation, for
// one change request at a time.
type Account struct {
	ApplicationID  string `json:"application_id"`
	ReservedPence  int64  `json:"reserved_pence"`
	CommittedPence int64  `json:"committed_pence"` // not yet drawn
	DrawnPence     int64  `json:"drawn_pence"`
	// VariationPence is credit reserved for the open change request
	// Variation, which would increase the award; it is the fund's promise
	// that approving the change will not find the credit gone.
	VariationPence int64  `json:"variation_pence,omitempty"`
	Variation      string `json:"variation,omitempty"`
	// ReservedSeq is the reserve entry behind the credit held now, 0 when
	// nothing is held; it tells a stale promotion from a newer reservation.
	ReservedSeq int64 `json:"reserved_seq,omitempty"`
	// Milestones are those drawn down, in order.
	Milestones []string `json:"milestones,omitempty"`
}

func (a Account) holds() int64 { return a.ReservedPence + a.CommittedPence + a.VariationPence }

// EntryKind is what a statement entry did.
type EntryKind string

const (
	KindReserve  EntryKind = "reserve"
	KindCommit   EntryKind = "commit"
	KindRelease  EntryKind = "release"
	KindDrawdown EntryKind = "drawdown"
	// Variations of an accepted award: credit reserved for an increase,
	// then committed or released when the change is decided, and
	// committed credit handed back by a decrease.
	KindVariationReserve EntryKind = "variation_reserve"
	KindVariationCommit  EntryKind = "variation_commit"
	KindVariationRelease EntryKind = "variation_release"
	KindReduce           EntryKind = "reduce"
)

// Entry is one line of the statement.
type Entry struct {
	Seq           int64          `json:"seq"`
	At            time.Time      `json:"at"`
	Kind          EntryKind      `json:"kind"`
	ApplicationID string         `json:"application_id"`
	MilestoneID   string         `json:"milestone_id,omitempty"`
	Variation     string         `json:"variation,omitempty"` // the change request's id
	AmountPence   int64          `json:"amount_pence"`
	Actor         fundflow.Actor `json:"actor"`
	Reason        string         `json:"reason,omitempty"`
	Key           string         `json:"key"`
}

// ReasonWaitlistPromotion is the reason on reservations the ledger makes
// itself when it promotes from the waitlist.
const ReasonWaitlistPromotion = "waitlist promotion"

// MaxKeyLen bounds idempotency keys, which are kept on statement entries.
const MaxKeyLen = 200

const maxReasonLen = 2000

// NewLedger is an empty ledger for a fund: everything available.
func NewLedger(d Definition) *Ledger {
	return &Ledger{
		Limits:   Limits{TotalPence: d.TotalPence, MaxAwardPence: d.MaxAwardPence, MaxAwards: d.MaxAwards},
		Balances: Balances{TotalPence: d.TotalPence, AvailablePence: d.TotalPence},
	}
}

// Awards counts applications holding reserved, committed or drawn credit.
// An award that has drawn anything keeps its slot even once the rest is
// released, because the fund did fund that organisation.
//
// Every reservation asks, so the count is kept by the ledger's index,
// updated from the accounts of the entries written since it last counted.
func (l *Ledger) Awards() int {
	x := l.idx()
	if x.counted == nil {
		x.counted = make(map[string]bool, len(l.Accounts)) // looked up, never ranged over
		for _, a := range l.Accounts {
			if awardSlot(a) == 1 {
				x.counted[a.ApplicationID] = true
				x.awardCount++
			}
		}
		x.countedEntries = len(l.Entries)
	}
	for ; x.countedEntries < len(l.Entries); x.countedEntries++ {
		app := l.Entries[x.countedEntries].ApplicationID
		a, _ := l.Account(app)
		if now := awardSlot(a) == 1; now != x.counted[app] {
			x.counted[app] = now
			x.awardCount += 2*awardSlot(a) - 1
		}
	}
	return x.awardCount
}

// countAwards counts the awards from every account, for CheckInvariants,
// which trusts no index.
func (l *Ledger) countAwards() int {
	n := 0
	for _, a := range l.Accounts {
		n += awardSlot(a)
	}
	return n
}

// Account returns an application's account, if it has one.
func (l *Ledger) Account(app string) (Account, bool) {
	i, ok := l.accountIndex(app)
	if !ok {
		return Account{}, false
	}
	return l.Accounts[i], true
}

func (l *Ledger) accountIndex(app string) (int, bool) {
	return slices.BinarySearchFunc(l.Accounts, app, func(a Account, app string) int {
		return strings.Compare(a.ApplicationID, app)
	})
}

// EntryByKey finds the entry an operation with this idempotency key wrote.
func (l *Ledger) EntryByKey(key string) (Entry, bool) {
	if i, ok := l.entryIndex(key); ok {
		return l.Entries[i], true
	}
	return Entry{}, false
}

// EntriesAfter pages through the statement: up to limit entries with a seq
// above after (all of them when limit ≤ 0), and the seq to pass next time,
// or 0 when there are no more.
func (l *Ledger) EntriesAfter(after int64, limit int) (entries []Entry, next int64) {
	from := int(min(max(after, 0), int64(len(l.Entries))))
	rest := l.Entries[from:]
	if limit <= 0 || limit >= len(rest) {
		return rest, 0
	}
	return rest[:limit], rest[limit-1].Seq
}

// plan is what an operation would do if applied now: write entry, or, on a
// retry, hand back the entry its key already wrote.
type plan struct {
	entry  Entry
	replay bool
}

// CheckReserve reports whether Reserve would succeed, changing nothing.
func (l *Ledger) CheckReserve(key, app string, amount int64) error {
	_, err := l.planReserve(key, app, amount)
	return err
}

// Reserve earmarks credit for an approved application and takes it off the
// waitlist. It refuses validation_failed for an amount that is not positive
// or above the maximum award, invalid_state when the application already
// holds or has drawn credit, award_limit_reached when every award slot is
// taken and insufficient_credit when too little is available.
func (l *Ledger) Reserve(key, app string, amount int64, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planReserve(key, app, amount)
	if err != nil {
		return Entry{}, err
	}
	l.Leave(app)
	return l.record(p, actor, at), nil
}

func (l *Ledger) planReserve(key, app string, amount int64) (plan, error) {
	if p, found, err := l.prior(key, Entry{Kind: KindReserve, ApplicationID: app, AmountPence: amount}); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	l.validAmount(&v, amount)
	if err := v.Err("the reservation is invalid"); err != nil {
		return plan{}, err
	}
	if err := l.canHold(app); err != nil {
		return plan{}, err
	}
	if n := l.Awards(); n >= l.Limits.MaxAwards {
		return plan{}, fundflow.Errorf(fundflow.EAWARDLIMIT, "all %d awards of this fund are taken", n)
	}
	if amount > l.Balances.AvailablePence {
		return plan{}, fundflow.Errorf(fundflow.EINSUFFICIENTCREDIT,
			"%d pence requested but only %d pence is available", amount, l.Balances.AvailablePence)
	}
	return plan{entry: Entry{Kind: KindReserve, ApplicationID: app, AmountPence: amount, Key: key}}, nil
}

// canHold refuses an application that already holds credit, or has drawn
// some: one award per application, and a finished or terminated award does
// not come back.
func (l *Ledger) canHold(app string) error {
	a, ok := l.Account(app)
	switch {
	case !ok:
		return nil
	case a.holds() > 0:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s already holds credit in this fund", app)
	case a.DrawnPence > 0:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s has already drawn credit from this fund", app)
	}
	return nil
}

// CheckCommit reports whether Commit would succeed, changing nothing.
func (l *Ledger) CheckCommit(key, app string) error {
	_, err := l.planCommit(key, app)
	return err
}

// Commit turns an application's whole reservation into a commitment, when
// the offer is accepted. Without a reservation it refuses invalid_state.
func (l *Ledger) Commit(key, app string, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planCommit(key, app)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planCommit(key, app string) (plan, error) {
	if p, found, err := l.prior(key, Entry{Kind: KindCommit, ApplicationID: app}); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	if err := v.Err("the commitment is invalid"); err != nil {
		return plan{}, err
	}
	a, _ := l.Account(app)
	if a.ReservedPence == 0 {
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s has no reservation to commit", app)
	}
	return plan{entry: Entry{Kind: KindCommit, ApplicationID: app, AmountPence: a.ReservedPence, Key: key}}, nil
}

// CheckRelease reports whether Release would succeed, changing nothing.
func (l *Ledger) CheckRelease(key, app, reason string) error {
	_, err := l.planRelease(key, app, reason)
	return err
}

// Release hands back whatever an application holds and has not drawn, on
// decline, expiry, withdrawal or termination. Drawn credit stays drawn.
// With nothing to release it refuses invalid_state. It does not promote from
// the waitlist: the caller does, so it can tell the promoted applications.
func (l *Ledger) Release(key, app, reason string, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planRelease(key, app, reason)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planRelease(key, app, reason string) (plan, error) {
	if p, found, err := l.prior(key, Entry{Kind: KindRelease, ApplicationID: app, Reason: reason}); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	v.Text("reason", reason, maxReasonLen, true)
	if err := v.Err("the release is invalid"); err != nil {
		return plan{}, err
	}
	a, _ := l.Account(app)
	if a.holds() == 0 {
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s holds no undrawn credit to release", app)
	}
	return plan{entry: Entry{Kind: KindRelease, ApplicationID: app, AmountPence: a.holds(), Reason: reason, Key: key}}, nil
}

// CheckDrawdown reports whether Drawdown would succeed, changing nothing.
func (l *Ledger) CheckDrawdown(key, app, milestone string, amount int64) error {
	_, err := l.planDrawdown(key, app, milestone, amount)
	return err
}

// Drawdown draws committed credit when a milestone is verified. It refuses
// invalid_state when the amount is above the committed, undrawn credit or
// the milestone was already drawn.
func (l *Ledger) Drawdown(key, app, milestone string, amount int64, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planDrawdown(key, app, milestone, amount)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planDrawdown(key, app, milestone string, amount int64) (plan, error) {
	want := Entry{Kind: KindDrawdown, ApplicationID: app, MilestoneID: milestone, AmountPence: amount}
	if p, found, err := l.prior(key, want); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	required(&v, "milestone_id", milestone)
	if amount <= 0 {
		v.Add("amount_pence", "must be more than 0")
	}
	if err := v.Err("the drawdown is invalid"); err != nil {
		return plan{}, err
	}
	a, _ := l.Account(app)
	switch {
	case slices.Contains(a.Milestones, milestone):
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "milestone %s of application %s was already drawn down", milestone, app)
	case amount > a.CommittedPence:
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE,
			"%d pence is more than the %d pence committed and undrawn for application %s", amount, a.CommittedPence, app)
	}
	want.Key = key
	return plan{entry: want}, nil
}

// CheckReserveVariation reports whether ReserveVariation would succeed,
// changing nothing.
func (l *Ledger) CheckReserveVariation(key, app, change string, amount int64) error {
	_, err := l.planReserveVariation(key, app, change, amount)
	return err
}

// ReserveVariation earmarks credit for change request change, which would
// increase an accepted award by amount, until the change is decided. It
// refuses invalid_state when the application has no commitment or already
// holds credit for a change, validation_failed for an amount that is not
// positive or would take the award above the maximum, and
// insufficient_credit when too little is available.
func (l *Ledger) ReserveVariation(key, app, change string, amount int64, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planReserveVariation(key, app, change, amount)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planReserveVariation(key, app, change string, amount int64) (plan, error) {
	want := Entry{Kind: KindVariationReserve, ApplicationID: app, Variation: change, AmountPence: amount}
	if p, found, err := l.prior(key, want); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	required(&v, "change_id", change)
	if amount <= 0 {
		v.Add("amount_pence", "must be more than 0")
	}
	if err := v.Err("the variation is invalid"); err != nil {
		return plan{}, err
	}
	a, _ := l.Account(app)
	// Subtracting from the maximum cannot overflow; adding to the award could.
	headroom := l.Limits.MaxAwardPence - a.holds() - a.DrawnPence
	switch {
	case a.CommittedPence == 0:
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s has no accepted award to increase", app)
	case a.VariationPence > 0:
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE,
			"application %s already holds %d pence for change %s; decide it first", app, a.VariationPence, a.Variation)
	case amount > headroom:
		v.Add("amount_pence", "must be at most %d pence: the award may not exceed the maximum award of %d pence", headroom, l.Limits.MaxAwardPence)
		return plan{}, v.Err("the variation is invalid")
	case amount > l.Balances.AvailablePence:
		return plan{}, fundflow.Errorf(fundflow.EINSUFFICIENTCREDIT,
			"%d pence requested but only %d pence is available", amount, l.Balances.AvailablePence)
	}
	want.Key = key
	return plan{entry: want}, nil
}

// CheckCommitVariation reports whether CommitVariation would succeed,
// changing nothing.
func (l *Ledger) CheckCommitVariation(key, app, change string) error {
	_, err := l.planCommitVariation(key, app, change)
	return err
}

// CommitVariation adds the whole of the credit reserved for change to the
// application's commitment, when the increase is approved. Without such a
// reservation it refuses invalid_state.
func (l *Ledger) CommitVariation(key, app, change string, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planCommitVariation(key, app, change)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planCommitVariation(key, app, change string) (plan, error) {
	return l.planVariationEnd(key, Entry{Kind: KindVariationCommit, ApplicationID: app, Variation: change}, "the commitment is invalid")
}

// CheckReleaseVariation reports whether ReleaseVariation would succeed,
// changing nothing.
func (l *Ledger) CheckReleaseVariation(key, app, change, reason string) error {
	_, err := l.planReleaseVariation(key, app, change, reason)
	return err
}

// ReleaseVariation hands back the credit reserved for change, when the
// increase is refused or withdrawn. Without such a reservation it refuses
// invalid_state.
func (l *Ledger) ReleaseVariation(key, app, change, reason string, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planReleaseVariation(key, app, change, reason)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planReleaseVariation(key, app, change, reason string) (plan, error) {
	return l.planVariationEnd(key, Entry{Kind: KindVariationRelease, ApplicationID: app, Variation: change, Reason: reason}, "the release is invalid")
}

// planVariationEnd plans want, which commits or releases the whole of the
// credit reserved for its change.
func (l *Ledger) planVariationEnd(key string, want Entry, invalid string) (plan, error) {
	if p, found, err := l.prior(key, want); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", want.ApplicationID)
	required(&v, "change_id", want.Variation)
	if want.Kind == KindVariationRelease {
		v.Text("reason", want.Reason, maxReasonLen, true)
	}
	if err := v.Err(invalid); err != nil {
		return plan{}, err
	}
	a, _ := l.Account(want.ApplicationID)
	if a.VariationPence == 0 || a.Variation != want.Variation {
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE,
			"application %s holds no credit reserved for change %s", want.ApplicationID, want.Variation)
	}
	want.AmountPence, want.Key = a.VariationPence, key
	return plan{entry: want}, nil
}

// CheckReduce reports whether Reduce would succeed, changing nothing.
func (l *Ledger) CheckReduce(key, app, change string, amount int64, reason string) error {
	_, err := l.planReduce(key, app, change, amount, reason)
	return err
}

// Reduce hands back amount of an award's committed, undrawn credit, when
// change request change decreases it. It refuses invalid_state when the
// amount is above what is committed and undrawn. Like Release it does not
// promote from the waitlist.
func (l *Ledger) Reduce(key, app, change string, amount int64, reason string, actor fundflow.Actor, at time.Time) (Entry, error) {
	p, err := l.planReduce(key, app, change, amount, reason)
	if err != nil {
		return Entry{}, err
	}
	return l.record(p, actor, at), nil
}

func (l *Ledger) planReduce(key, app, change string, amount int64, reason string) (plan, error) {
	want := Entry{Kind: KindReduce, ApplicationID: app, Variation: change, AmountPence: amount, Reason: reason}
	if p, found, err := l.prior(key, want); found {
		return p, err
	}
	var v fundflow.Invalid
	validKey(&v, key)
	required(&v, "application_id", app)
	required(&v, "change_id", change)
	v.Text("reason", reason, maxReasonLen, true)
	if amount <= 0 {
		v.Add("amount_pence", "must be more than 0")
	}
	if err := v.Err("the reduction is invalid"); err != nil {
		return plan{}, err
	}
	if a, _ := l.Account(app); amount > a.CommittedPence {
		return plan{}, fundflow.Errorf(fundflow.EINVALIDSTATE,
			"%d pence is more than the %d pence committed and undrawn for application %s", amount, a.CommittedPence, app)
	}
	want.Key = key
	return plan{entry: want}, nil
}

// prior looks for an earlier operation with this key. found is true when
// there was one: then either p replays it, or err refuses the key because
// it was used for something else. want holds the arguments that identify
// the operation; amounts the ledger computes itself (the commits and
// releases) are left zero.
func (l *Ledger) prior(key string, want Entry) (p plan, found bool, err error) {
	e, ok := l.EntryByKey(key)
	if !ok {
		return plan{}, false, nil
	}
	got := Entry{Kind: e.Kind, ApplicationID: e.ApplicationID, MilestoneID: e.MilestoneID, Variation: e.Variation, Reason: e.Reason}
	switch e.Kind {
	case KindReserve, KindDrawdown, KindVariationReserve, KindReduce:
		got.AmountPence = e.AmountPence
	}
	if got != want {
		return plan{}, true, fundflow.Errorf(fundflow.EIDEMPOTENCYREUSED,
			"idempotency key %q was already used for a different request (%s of application %s)", key, e.Kind, e.ApplicationID)
	}
	return plan{entry: e, replay: true}, true, nil
}

// record carries out a plan and returns the entry it stands for.
func (l *Ledger) record(p plan, actor fundflow.Actor, at time.Time) Entry {
	if p.replay {
		return p.entry
	}
	e := p.entry
	e.Seq = int64(len(l.Entries)) + 1
	e.At = at.UTC()
	e.Actor = actor
	l.apply(e)
	return e
}

// apply writes e to the statement and moves its money.
func (l *Ledger) apply(e Entry) {
	l.move(e)
	l.Entries = append(l.Entries, e)
}

// move is the only code that moves money. CheckInvariants and CheckRecent
// replay the statement through it too, so the balances and the statement
// cannot disagree about what an entry means.
func (l *Ledger) move(e Entry) {
	a := l.openAccount(e.ApplicationID)
	b := &l.Balances
	x := e.AmountPence
	switch e.Kind {
	case KindReserve:
		b.AvailablePence -= x
		b.ReservedPence += x
		a.ReservedPence += x
		a.ReservedSeq = e.Seq
	case KindCommit:
		b.ReservedPence -= x
		b.CommittedPence += x
		a.ReservedPence -= x
		a.CommittedPence += x
	case KindRelease:
		// A release takes everything held, and a reservation is never held
		// with a commitment or a variation, so this split is exact; a
		// corrupt entry shows up as a negative or unnamed figure.
		fromVariation := min(x, a.VariationPence)
		fromReserved := min(x-fromVariation, a.ReservedPence)
		fromCommitted := x - fromVariation - fromReserved
		b.ReservedPence -= fromVariation + fromReserved
		b.CommittedPence -= fromCommitted
		b.AvailablePence += x
		a.VariationPence -= fromVariation
		a.ReservedPence -= fromReserved
		a.CommittedPence -= fromCommitted
		a.ReservedSeq = 0
		a.Variation = ""
	case KindDrawdown:
		b.CommittedPence -= x
		b.DrawnPence += x
		a.CommittedPence -= x
		a.DrawnPence += x
		a.Milestones = append(a.Milestones, e.MilestoneID)
	case KindVariationReserve:
		b.AvailablePence -= x
		b.ReservedPence += x
		a.VariationPence += x
		a.Variation = e.Variation
	case KindVariationCommit:
		b.ReservedPence -= x
		b.CommittedPence += x
		a.VariationPence -= x
		a.CommittedPence += x
		a.Variation = ""
	case KindVariationRelease:
		b.ReservedPence -= x
		b.AvailablePence += x
		a.VariationPence -= x
		a.Variation = ""
	case KindReduce:
		b.CommittedPence -= x
		b.AvailablePence += x
		a.CommittedPence -= x
	}
}

func (l *Ledger) openAccount(app string) *Account {
	i, ok := l.accountIndex(app)
	if !ok {
		l.Accounts = slices.Insert(l.Accounts, i, Account{ApplicationID: app})
	}
	return &l.Accounts[i]
}

func (l *Ledger) validAmount(v *fundflow.Invalid, amount int64) {
	if amount <= 0 || amount > l.Limits.MaxAwardPence {
		v.Add("amount_pence", "must be more than 0 and at most the maximum award of %d pence", l.Limits.MaxAwardPence)
	}
}

func validKey(v *fundflow.Invalid, key string) {
	if key == "" || len(key) > MaxKeyLen {
		v.Add("key", "an idempotency key of 1 to %d bytes is required", MaxKeyLen)
	}
}

func required(v *fundflow.Invalid, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
	}
}

// CheckInvariants verifies what must hold after every operation: the
// figures add up to the total, none is negative, the award count is within
// the limit, the accounts add up to the balances, replaying the statement
// from nothing yields the same balances and accounts, and the waitlist and
// submissions are in order without duplicates. A failure is a bug, never a
// refusal.
func (l *Ledger) CheckInvariants() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	b := l.Balances
	if b.AvailablePence < 0 || b.ReservedPence < 0 || b.CommittedPence < 0 || b.DrawnPence < 0 {
		fail("negative balance: %+v", b)
	}
	if sum := b.AvailablePence + b.ReservedPence + b.CommittedPence + b.DrawnPence; sum != b.TotalPence || sum != l.Limits.TotalPence {
		fail("balances add up to %d; the total is %d and the fund's %d", sum, b.TotalPence, l.Limits.TotalPence)
	}
	if n := l.countAwards(); n > l.Limits.MaxAwards {
		fail("%d awards exceed the limit of %d", n, l.Limits.MaxAwards)
	}

	var sum Balances
	for i, a := range l.Accounts {
		if i > 0 && l.Accounts[i-1].ApplicationID >= a.ApplicationID {
			fail("accounts out of order at %s", a.ApplicationID)
		}
		if !l.possible(a) {
			fail("impossible account %+v", a)
		}
		sum.ReservedPence += a.ReservedPence + a.VariationPence
		sum.CommittedPence += a.CommittedPence
		sum.DrawnPence += a.DrawnPence
	}
	if sum.ReservedPence != b.ReservedPence || sum.CommittedPence != b.CommittedPence || sum.DrawnPence != b.DrawnPence {
		fail("accounts add up to %+v, balances say %+v", sum, b)
	}

	replay := Ledger{Limits: l.Limits, Balances: Balances{TotalPence: l.Limits.TotalPence, AvailablePence: l.Limits.TotalPence}}
	keys := make(map[string]bool, len(l.Entries)) // looked up, never ranged over
	for i, e := range l.Entries {
		if e.Seq != int64(i)+1 {
			fail("entry %d has seq %d", i+1, e.Seq)
		}
		if e.Key == "" || keys[e.Key] {
			fail("entry %d has an empty or repeated key %q", e.Seq, e.Key)
		}
		keys[e.Key] = true
		replay.apply(e)
	}
	if replay.Balances != b || !slices.EqualFunc(replay.Accounts, l.Accounts, sameAccount) {
		fail("the statement replays to %+v, not %+v", replay.Balances, b)
	}

	for i, w := range l.Waitlist {
		if i > 0 && compareWaitlist(l.Waitlist[i-1], w) >= 0 {
			fail("waitlist out of order at %s", w.ApplicationID)
		}
		if l.Position(w.ApplicationID) != i+1 {
			fail("application %s is on the waitlist twice", w.ApplicationID)
		}
		if l.canHold(w.ApplicationID) != nil {
			fail("waitlisted application %s holds or has drawn credit", w.ApplicationID)
		}
	}
	for i, s := range l.Submissions {
		if l.submissionIndex(s.ApplicationID) != i {
			fail("application %s is registered twice", s.ApplicationID)
		}
	}
	return errors.Join(errs...)
}

func sameAccount(a, b Account) bool {
	return a.ApplicationID == b.ApplicationID && a.ReservedPence == b.ReservedPence &&
		a.CommittedPence == b.CommittedPence && a.DrawnPence == b.DrawnPence &&
		a.VariationPence == b.VariationPence && a.Variation == b.Variation &&
		a.ReservedSeq == b.ReservedSeq && slices.Equal(a.Milestones, b.Milestones)
}

// promotionKey is unique because it names the seq the promotion will take.
func (l *Ledger) promotionKey(app string) string {
	return "waitlist-promotion:" + app + ":" + strconv.Itoa(len(l.Entries)+1)
}
