package directory

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Capacity is the office in which a certifier signs off their
// organisation's bid for money.
type Capacity string

const (
	CapacitySRO                 Capacity = "sro"
	CapacityChiefFinanceOfficer Capacity = "chief_finance_officer"
	CapacitySection151Officer   Capacity = "section_151_officer"
	// CapacityDeputy is someone named to sign for a period while an
	// officer cannot, which is why a deputy's delegation must end.
	CapacityDeputy Capacity = "deputy"
)

// Capacities lists every capacity, in the order forms offer them.
var Capacities = []Capacity{CapacitySRO, CapacityChiefFinanceOfficer, CapacitySection151Officer, CapacityDeputy}

// Valid reports whether c is one of Capacities.
func (c Capacity) Valid() bool { return slices.Contains(Capacities, c) }

// Label is the capacity as people read it.
func (c Capacity) Label() string {
	switch c {
	case CapacitySRO:
		return "Senior responsible officer"
	case CapacityChiefFinanceOfficer:
		return "Chief finance officer"
	case CapacitySection151Officer:
		return "Section 151 officer"
	case CapacityDeputy:
		return "Deputy"
	}
	return string(c)
}

// Certifier names a person of an organisation who may sign off its bids,
// in a capacity and for a period.
type Certifier struct {
	OrgCode  string   `json:"org_code"`
	UserID   string   `json:"user_id"`
	Capacity Capacity `json:"capacity"`
	// From and To bound a delegation (inclusive calendar dates,
	// Europe/London); a zero To leaves it open. A deputy must have a To
	// date.
	From organisation.Date `json:"from"`
	To   organisation.Date `json:"to,omitzero"`
}

// Covers reports whether the delegation runs on the day.
func (c Certifier) Covers(on organisation.Date) bool {
	return c.From.Compare(on) <= 0 && (c.To.IsZero() || on.Compare(c.To) <= 0)
}

// dated reports whether the delegation's dates make a period.
func (c Certifier) dated() bool {
	return !c.From.IsZero() && (c.To.IsZero() || c.From.Compare(c.To) <= 0)
}

// overlaps reports whether two dated delegations share a day.
func (c Certifier) overlaps(d Certifier) bool {
	return (d.To.IsZero() || c.From.Compare(d.To) <= 0) && (c.To.IsZero() || d.From.Compare(c.To) <= 0)
}

// CertifierList is one organisation's certifiers as the cache holds them.
// The directory keeps no revision per organisation, so Rev is the
// directory's revision when the list was read: a later read is never older.
type CertifierList struct {
	OrgCode    string      `json:"org_code"`
	Certifiers []Certifier `json:"certifiers"`
	Rev        int64       `json:"rev"`
}

// MaxCertifiers bounds one organisation's list: its officers and their
// deputies over a few years, not a staff list.
const MaxCertifiers = 20

// CertifiersOf is an organisation's list, in the order it was set.
func (s *State) CertifiersOf(org string) []Certifier {
	out := []Certifier{}
	for _, c := range s.Certifiers {
		if c.OrgCode == org {
			out = append(out, c)
		}
	}
	return out
}

// CertifierLists is every organisation's list, each read at the current
// revision: what a cache rebuild writes.
func (s *State) CertifierLists() []CertifierList {
	var out []CertifierList
	for _, c := range s.Certifiers {
		if !slices.ContainsFunc(out, func(l CertifierList) bool { return l.OrgCode == c.OrgCode }) {
			out = append(out, CertifierList{OrgCode: c.OrgCode, Certifiers: s.CertifiersOf(c.OrgCode), Rev: s.Rev})
		}
	}
	return out
}

// Appointment is a delegation together with the person who holds it.
type Appointment struct {
	Certifier
	User User
}

// AppointmentsOn are those who may certify for org on the day, in list
// order: their delegation covers it, and they are still active applicants
// of org. Someone deactivated or moved to another organisation since being
// named stops certifying without the list being changed.
func (s *State) AppointmentsOn(org string, on organisation.Date) []Appointment {
	out := []Appointment{}
	for _, c := range s.CertifiersOf(org) {
		u, ok := s.User(c.UserID)
		if ok && c.Covers(on) && mayCertify(u, org) {
			out = append(out, Appointment{Certifier: c, User: u})
		}
	}
	return out
}

// CertifiersOn are the people who may certify for org on the day.
func (s *State) CertifiersOn(org string, on organisation.Date) []User {
	as := s.AppointmentsOn(org, on)
	out := make([]User, len(as))
	for i, a := range as {
		out[i] = a.User
	}
	return out
}

// IsCertifier reports whether the user may certify for org on the day.
func (s *State) IsCertifier(userID, org string, on organisation.Date) bool {
	return slices.ContainsFunc(s.AppointmentsOn(org, on), func(a Appointment) bool { return a.UserID == userID })
}

// mayCertify is who a certifier can be: a person of the organisation, as
// its applicant users are.
func mayCertify(u User, org string) bool {
	return u.Active && u.OrgCode == org && slices.Contains(u.Roles, fundflow.RoleApplicant)
}

// CheckSetCertifiers refuses a list naming anyone who could not certify
// for org, or the same person twice at once. Whether org exists and is
// valid today is for the caller, which has the registry and the date.
func (s *State) CheckSetCertifiers(org string, cs []Certifier, reason string) error {
	var v fundflow.Invalid
	if org == "" {
		v.Add("org_code", "is required")
	}
	v.Text("reason", reason, MaxReasonLen, false)
	if len(cs) > MaxCertifiers {
		v.Add("certifiers", "at most %d certifiers", MaxCertifiers)
	}
	for i, c := range cs {
		field := func(name string) string { return fmt.Sprintf("certifiers[%d].%s", i, name) }
		if c.OrgCode != "" && c.OrgCode != org {
			v.Add(field("org_code"), "must be %s, the organisation whose list this is", org)
		}
		u, found := s.User(c.UserID)
		switch {
		case c.UserID == "":
			v.Add(field("user_id"), "is required")
		case !found:
			v.Add(field("user_id"), "no user %q", c.UserID)
		case !u.Active:
			v.Add(field("user_id"), "%s is deactivated", u.Name)
		case !mayCertify(u, org):
			v.Add(field("user_id"), "%s is not an applicant of %s: certifiers are people of the organisation", u.Name, org)
		}
		if !c.Capacity.Valid() {
			v.Add(field("capacity"), "must be one of sro, chief_finance_officer, section_151_officer, deputy")
		}
		switch {
		case c.From.IsZero():
			v.Add(field("from"), "is required")
		case !c.dated():
			v.Add(field("to"), "must be on or after the from date, %s", c.From)
		case c.Capacity == CapacityDeputy && c.To.IsZero():
			v.Add(field("to"), "a deputy's delegation needs an end date")
		case found:
			if slices.ContainsFunc(cs[:i], func(d Certifier) bool { return d.UserID == c.UserID && d.dated() && d.overlaps(c) }) {
				v.Add(field("from"), "%s is already named above for some of these dates", u.Name)
			}
		}
	}
	return v.Err("the certifiers are invalid")
}

// SetCertifiers replaces an organisation's list, returning it as kept.
func (s *State) SetCertifiers(org string, cs []Certifier, reason string, by fundflow.Actor, at time.Time) ([]Certifier, error) {
	if err := s.CheckSetCertifiers(org, cs, reason); err != nil {
		return nil, err
	}
	list := make([]Certifier, len(cs))
	for i, c := range cs {
		c.OrgCode = org
		list[i] = c
	}
	s.Certifiers = append(slices.DeleteFunc(s.Certifiers, func(c Certifier) bool { return c.OrgCode == org }), list...)
	s.bump()
	s.record(at, by, ActionCertifiersChanged, org, "certifiers of "+org+": "+s.certifiersText(list), reason)
	return list, nil
}

func (s *State) certifiersText(cs []Certifier) string {
	if len(cs) == 0 {
		return "none"
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		u, _ := s.User(c.UserID)
		period := "from " + longDate(c.From)
		if !c.To.IsZero() {
			period += " to " + longDate(c.To)
		}
		out[i] = fmt.Sprintf("%s (%s, %s)", u.Name, c.Capacity.Label(), period)
	}
	return strings.Join(out, "; ")
}

func longDate(d organisation.Date) string { return fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year) }
