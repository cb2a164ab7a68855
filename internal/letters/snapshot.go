package letters

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind is the decision a letter communicates.
type Kind string

const (
	KindOffer      Kind = "offer"
	KindRejection  Kind = "rejection"
	KindIneligible Kind = "ineligible"
	KindWaitlist   Kind = "waitlist"
	KindCompletion Kind = "completion"
	// KindVariation records an approved change to an award.
	KindVariation Kind = "variation"
	// KindAgreement is the signed grant agreement: the terms word for word
	// with the signature block filled in.
	KindAgreement Kind = "agreement"
)

// Snapshot freezes everything a letter says at the moment of the decision, so
// that re-rendering it years later gives the same bytes whatever has happened
// to the application since. Times are stored in UTC; Render normalises them.
//
// Optional fields are omitempty so that adding a field later leaves the
// canonical JSON, and so the printed content hash, of older snapshots intact.
type Snapshot struct {
	Kind          Kind      `json:"kind"`
	Ref           string    `json:"ref"`
	Revision      int       `json:"revision,omitempty"`
	IssuedAt      time.Time `json:"issued_at"`
	Fund          Fund      `json:"fund"`
	ApplicationID string    `json:"application_id"`
	// Reference is the application's, for letters issued since
	// references; absent from the canonical JSON of every letter before.
	Reference   string      `json:"reference,omitempty"`
	Addressee   Addressee   `json:"addressee"`
	AmountPence int64       `json:"amount_pence"`
	Conditions  []string    `json:"conditions,omitempty"`
	Milestones  []Milestone `json:"milestones,omitempty"`
	// Partners are the bid's partner organisations, for letters issued
	// since partnerships; absent from every letter before.
	Partners []Partner `json:"partners,omitempty"`
	// Targets are the award's outcome baselines and targets, as written
	// figures with their measure's places.
	Targets       []Target     `json:"targets,omitempty"`
	AcceptBy      *time.Time   `json:"accept_by,omitempty"`
	Feedback      string       `json:"feedback,omitempty"`
	Scores        []Score      `json:"scores,omitempty"`
	FailedRules   []FailedRule `json:"failed_rules,omitempty"`
	WeightedScore float64      `json:"weighted_score,omitempty"`
	PassMark      float64      `json:"pass_mark,omitempty"`
	Signatory     Signatory    `json:"signatory"`
	// VerifyURL is where anyone holding the reference can check a letter;
	// "{ref}" in it is replaced by the path-escaped reference.
	VerifyURL string `json:"verify_url"`
	// Renderer is the renderer revision that draws the letter (see
	// RendererGofpdf and the others); zero, and absent from the canonical
	// JSON, for every letter issued before it existed.
	Renderer int `json:"renderer,omitempty"`
	// Terms name the grant agreement an offer is made on; only offers from
	// funds with terms carry them.
	Terms *TermsRef `json:"terms,omitempty"`
	// Agreement is an agreement letter's terms and signature.
	Agreement *Agreement `json:"agreement,omitempty"`
	// Variation is a variation letter's change.
	Variation *Variation `json:"variation,omitempty"`
}

// TermsRef names one version of a fund's terms.
type TermsRef struct {
	Title   string `json:"title"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

// Agreement is the grant agreement as signed: the terms, the declaration,
// who signed and when, and the offer it accepts.
type Agreement struct {
	Terms       TermsRef       `json:"terms"`
	Sections    []TermsSection `json:"sections"`
	Declaration string         `json:"declaration"`
	SignedName  string         `json:"signed_name"`
	Capacity    string         `json:"capacity"`
	SignedAt    time.Time      `json:"signed_at"`
	OfferRef    string         `json:"offer_ref"`
}

// TermsSection is one heading of the terms; paragraphs are separated by
// blank lines.
type TermsSection struct {
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

// Variation is an approved change request: what changed, from what to what,
// and who decided. The award's new milestone schedule is in
// Snapshot.Milestones and its new total in AmountPence.
type Variation struct {
	ID                string            `json:"id"`
	Reason            string            `json:"reason"`
	Changes           []Change          `json:"changes"`
	AmountBeforePence int64             `json:"amount_before_pence"`
	Decisions         []VariationSigner `json:"decisions"`
	RequestedAt       time.Time         `json:"requested_at"`
}

// Change is one line of a variation, as a person reads it.
type Change struct {
	What   string `json:"what"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// VariationSigner is one approval of a variation.
type VariationSigner struct {
	Name string    `json:"name"`
	Role string    `json:"role"`
	At   time.Time `json:"at"`
}

// Partner is a partner organisation as a letter names it.
type Partner struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Role       string `json:"role"`
	SharePence int64  `json:"share_pence,omitempty"`
	MatchPence int64  `json:"match_pence,omitempty"`
}

// Target is one outcome target an offer commits the award to.
type Target struct {
	Measure  string `json:"measure"`
	Unit     string `json:"unit"`
	Route    string `json:"route"`
	Baseline string `json:"baseline"`
	Target   string `json:"target"`
	// Achieved and Met are for the completion letter: the last verified
	// figure and whether it reached the target.
	Achieved string `json:"achieved,omitempty"`
	Met      string `json:"met,omitempty"`
}

type Fund struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Sponsor string `json:"sponsor"`
}

type Addressee struct {
	Name    string `json:"name"`
	Role    string `json:"role,omitempty"`
	OrgName string `json:"org_name"`
	OrgCode string `json:"org_code,omitempty"`
}

type Milestone struct {
	Title         string    `json:"title"`
	DueAt         time.Time `json:"due_at"`
	DrawdownPence int64     `json:"drawdown_pence"`
}

// Score is one criterion's moderated score. Weight is relative: letters show
// each criterion's share of the total weight, so 25 and 0.25 read the same.
type Score struct {
	Criterion string  `json:"criterion"`
	Score     float64 `json:"score"`
	Max       int     `json:"max"`
	Weight    float64 `json:"weight"`
}

type FailedRule struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

type Signatory struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// ErrInvalidSnapshot is wrapped by Render when a snapshot could not make a
// sensible letter. Messages name fields, never their personal contents.
var ErrInvalidSnapshot = errors.New("letters: invalid snapshot")

// ContentHash returns the hex SHA-256 of the snapshot's canonical JSON. A PDF
// cannot print its own SHA-256, so each page prints the first 12 characters of
// this instead; the authoritative hash, recorded and checked by the verify
// endpoint, is of the PDF bytes.
func ContentHash(s Snapshot) (string, error) {
	b, err := canonical(s)
	if err != nil {
		return "", err
	}
	return hashHex(b), nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical is stable because Snapshot holds no maps, so encoding/json emits
// fields in declaration order, and times are forced to UTC first.
func canonical(s Snapshot) ([]byte, error) {
	s.IssuedAt = s.IssuedAt.UTC()
	if s.AcceptBy != nil {
		t := s.AcceptBy.UTC()
		s.AcceptBy = &t
	}
	if len(s.Milestones) > 0 {
		ms := make([]Milestone, len(s.Milestones))
		for i, m := range s.Milestones {
			m.DueAt = m.DueAt.UTC()
			ms[i] = m
		}
		s.Milestones = ms
	}
	if s.Agreement != nil {
		a := *s.Agreement
		a.SignedAt = a.SignedAt.UTC()
		s.Agreement = &a
	}
	if s.Variation != nil {
		v := *s.Variation
		v.RequestedAt = v.RequestedAt.UTC()
		v.Decisions = make([]VariationSigner, len(v.Decisions))
		for i, d := range s.Variation.Decisions {
			d.At = d.At.UTC()
			v.Decisions[i] = d
		}
		s.Variation = &v
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("letters: encode snapshot: %w", err)
	}
	return b, nil
}

func (s *Snapshot) validate() error {
	var problems []string
	check := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	switch s.Kind {
	case KindOffer, KindRejection, KindIneligible, KindWaitlist, KindCompletion, KindVariation, KindAgreement:
	default:
		problems = append(problems, "unknown kind")
	}
	check(s.Ref != "", "ref is required")
	check(!s.IssuedAt.IsZero(), "issued_at is required")
	check(s.Fund.Name != "" && s.Fund.Sponsor != "", "fund name and sponsor are required")
	check(s.Addressee.Name != "" && s.Addressee.OrgName != "", "addressee name and organisation are required")
	check(s.Signatory.Name != "", "signatory name is required")
	check(s.VerifyURL != "", "verify_url is required")
	check(s.AmountPence >= 0, "amount_pence must not be negative")
	check(s.Renderer >= RendererGofpdf && s.Renderer <= RendererLatest, "unknown renderer")
	// Comparing against what is left of the amount, rather than summing
	// first, keeps the running total from overflowing.
	var drawdowns int64
	scheduleOK := true
	for _, m := range s.Milestones {
		if m.DrawdownPence < 0 || m.DrawdownPence > s.AmountPence-drawdowns {
			scheduleOK = false
			break
		}
		drawdowns += m.DrawdownPence
	}
	check(scheduleOK, "milestone drawdowns must be non-negative and within the amount")
	scoresOK := true
	for _, sc := range s.Scores {
		scoresOK = scoresOK && sc.Max > 0 && sc.Weight >= 0 && sc.Score >= 0 && sc.Score <= float64(sc.Max)
	}
	check(scoresOK, "scores must lie between zero and a positive max, with non-negative weights")
	check(s.Terms == nil || s.Terms.valid(), "terms need a title, a positive version and a 64-digit hex sha256")
	// A schedule that does not add up to the award would promise the
	// applicant a different sum than the headline figure.
	addsUp := !scheduleOK || len(s.Milestones) == 0 || drawdowns == s.AmountPence
	switch s.Kind {
	case KindOffer:
		check(s.AmountPence > 0, "an offer needs an amount")
		check(s.AcceptBy != nil, "an offer needs accept_by")
		check(addsUp, "milestone drawdowns must add up to the amount")
	case KindIneligible:
		check(len(s.FailedRules) > 0, "an ineligibility letter needs its failed rules")
	case KindCompletion:
		check(s.AmountPence > 0, "a completion letter needs the amount drawn")
	case KindAgreement:
		check(s.AmountPence > 0, "an agreement needs an amount")
		check(addsUp, "milestone drawdowns must add up to the amount")
		check(s.Agreement != nil, "agreement is required")
		if a := s.Agreement; a != nil {
			check(a.Terms.valid(), "agreement.terms need a title, a positive version and a 64-digit hex sha256")
			sectionsOK := len(a.Sections) > 0
			for _, sec := range a.Sections {
				sectionsOK = sectionsOK && !blank(sec.Heading) && !blank(sec.Text)
			}
			check(sectionsOK, "agreement.sections are required, each with a heading and text")
			check(!blank(a.Declaration), "agreement.declaration is required")
			check(!blank(a.SignedName) && !blank(a.Capacity), "agreement.signed_name and capacity are required")
			check(!a.SignedAt.IsZero(), "agreement.signed_at is required")
			check(!blank(a.OfferRef), "agreement.offer_ref is required")
		}
	case KindVariation:
		check(s.AmountPence > 0, "a variation needs the award's new amount")
		check(addsUp, "milestone drawdowns must add up to the amount")
		check(s.Variation != nil, "variation is required")
		if v := s.Variation; v != nil {
			check(!blank(v.ID), "variation.id is required")
			check(!blank(v.Reason), "variation.reason is required")
			check(!v.RequestedAt.IsZero(), "variation.requested_at is required")
			check(v.AmountBeforePence > 0, "variation.amount_before_pence is required")
			changesOK := len(v.Changes) > 0
			for _, c := range v.Changes {
				changesOK = changesOK && !blank(c.What)
			}
			check(changesOK, "variation.changes are required, each saying what changed")
			decisionsOK := len(v.Decisions) > 0
			for _, d := range v.Decisions {
				decisionsOK = decisionsOK && !blank(d.Name) && !d.At.IsZero()
			}
			check(decisionsOK, "variation.decisions are required, each with a name and a time")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %v", ErrInvalidSnapshot, problems)
	}
	return nil
}

func (t TermsRef) valid() bool {
	_, err := hex.DecodeString(t.SHA256)
	return !blank(t.Title) && t.Version > 0 && len(t.SHA256) == sha256.Size*2 && err == nil
}

// blank is judged on the escaped text, which is what a letter prints: a
// heading of only spaces or control characters would print as nothing.
func blank(s string) bool { return escape(s) == "" }
