package fund

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/form"
)

// Terms are the fund's grant agreement: the conditions an award is made on,
// as text under headings. Like the form they are versioned, changed only by
// publishing a new version, and an offer pins the version it was made on,
// so what a certifier signed can always be shown again word for word.
type Terms struct {
	Version  int            `json:"version"`
	Title    string         `json:"title"`
	Sections []TermsSection `json:"sections"`
	// Declaration is what the signatory declares by typing their name.
	Declaration string `json:"declaration"`
}

// TermsSection is one heading of the terms; Text holds its paragraphs,
// separated by blank lines.
type TermsSection struct {
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

// Limits on terms and reporting: room for any real agreement and schedule,
// and a bound on what a page or a workflow has to carry.
const (
	maxTermsSections = 50
	maxTermsTextLen  = 20_000
	maxReturns       = 40 // ten years of quarterly returns
	// maxReturnDays bounds, in working days, how far a reminder may come
	// before a return's due date and an escalation after it.
	maxReturnDays = 60
	// minReturnDays is the shortest interval between returns, in calendar
	// days: a return more often than weekly would be all a deployment did.
	minReturnDays = 7
)

// Problems reports every problem with the terms at once, against the JSON
// path of the part at fault (sections[2].text). Version is the fund's to
// set, so it is not checked here.
func (t Terms) Problems() fundflow.Invalid {
	var v fundflow.Invalid
	v.Text("title", t.Title, maxTitleLen, true)
	count(&v, "sections", len(t.Sections), maxTermsSections)
	for i, s := range t.Sections {
		p := path("sections", i)
		v.Text(p+".heading", s.Heading, maxTitleLen, true)
		v.Text(p+".text", s.Text, maxTermsTextLen, true)
	}
	v.Text("declaration", t.Declaration, maxDeclarationLen, true)
	return v
}

// Check is Problems as the refusal of terms being published.
func (t Terms) Check() error { return t.Problems().Err("the terms are invalid") }

// Hash is the hex SHA-256 of the terms' JSON, which a signature records so
// that the words signed can be proved later. Terms hold no maps, so the
// encoding is stable.
func (t Terms) Hash() string {
	b, _ := json.Marshal(t) //workflowcheck:ignore a struct of strings and ints always encodes, and the same way; the checker flags its type cache
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Reporting is the fund's schedule of monitoring returns: Count periodic
// returns due Every interval from acceptance, and optionally a final return
// FinalAfter the last milestone falls due.
type Reporting struct {
	Every    Duration       `json:"every"`
	Count    int            `json:"count"`
	Periodic ReturnTemplate `json:"periodic"`
	// Final is the closing return, if the fund asks for one.
	Final      *ReturnTemplate `json:"final,omitempty"`
	FinalAfter Duration        `json:"final_after,omitzero"`
	// RemindBefore are working days before a return's due date on which the
	// lead is reminded, furthest first.
	RemindBefore []int `json:"remind_before,omitempty"`
	// EscalateAfter is how many working days after its due date an overdue
	// return is escalated to the programme manager.
	EscalateAfter int `json:"escalate_after,omitempty"`
	// HoldDrawdown holds every drawdown while a return is overdue or
	// awaiting acceptance: payment by results.
	HoldDrawdown bool `json:"hold_drawdown,omitempty"`
	// SignOff asks the organisation's certifier to sign a return off
	// before it reaches the programme manager.
	SignOff bool `json:"sign_off,omitempty"`
}

// ReturnTemplate is what one kind of return asks: its questions, as a form
// the form engine checks, and the outcome measures it collects.
type ReturnTemplate struct {
	Title    string    `json:"title"`
	Form     form.Form `json:"form"`
	Measures []string  `json:"measures,omitempty"`
}

// ScheduledReturn is one return of an award's schedule.
type ScheduledReturn struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	DueAt time.Time `json:"due_at"`
	Final bool      `json:"final,omitempty"`
}

// Variations are the fund's rules for changing an award after acceptance.
type Variations struct {
	// ChairForIncrease asks the panel chair to approve, after the
	// programme manager, any increase to an award.
	ChairForIncrease bool `json:"chair_for_increase,omitempty"`
	// ChairAbovePercent asks the chair too when a change moves more than
	// this percentage of the award between milestones or reduces it by
	// more; 0 never asks on that ground.
	ChairAbovePercent int `json:"chair_above_percent,omitempty"`
	// PromoteOnDecrease offers credit an approved decrease returns to the
	// fund to the head of its waitlist.
	PromoteOnDecrease bool `json:"promote_on_decrease,omitempty"`
	// DecideWithin is how long, in working days, a change request may wait
	// for a decision before the approvers are reminded.
	DecideWithin Duration `json:"decide_within,omitzero"`
}

// Schedule is the reporting schedule made absolute for an award accepted
// at from whose last milestone falls due at lastDue: periodic returns r1,
// r2, … then the final return "final". Dates are counted on the London wall
// clock, as milestones are; in is London's location.
func (r Reporting) Schedule(from, lastDue time.Time, in *time.Location) []ScheduledReturn {
	var out []ScheduledReturn
	due := from.In(in)
	for i := range r.Count {
		due = r.Every.AddCalendar(due)
		out = append(out, ScheduledReturn{ID: "r" + strconv.Itoa(i+1), Title: r.Periodic.Title + " " + strconv.Itoa(i+1), DueAt: due.UTC()})
	}
	if r.Final != nil {
		out = append(out, ScheduledReturn{ID: "final", Title: r.Final.Title, DueAt: r.FinalAfter.AddCalendar(lastDue.In(in)).UTC(), Final: true})
	}
	return out
}

// Template is what the return asks.
func (r Reporting) Template(final bool) ReturnTemplate {
	if final && r.Final != nil {
		return *r.Final
	}
	return r.Periodic
}

// validateReporting checks the schedule of returns. A template is checked
// only when the schedule uses it, so a fund asking for a final return alone
// need not describe a periodic one.
func (d Definition) validateReporting(v *fundflow.Invalid) {
	r := d.Reporting
	if r == nil {
		return
	}
	if r.Count < 0 || r.Count > maxReturns {
		v.Add("reporting.count", "must be between 0 and %d", maxReturns)
	}
	if r.Count == 0 && r.Final == nil {
		v.Add("reporting", "must ask for at least one return: a count of periodic returns or a final return")
	}
	if r.Count > 0 {
		if r.Every.CalendarDays() < minReturnDays || r.Every.Clock() != 0 {
			v.Add("reporting.every", "must be whole days or weeks, at least %d days", minReturnDays)
		}
		d.validateTemplate(v, "reporting.periodic", r.Periodic)
	}
	if r.Final != nil {
		d.validateTemplate(v, "reporting.final", *r.Final)
	}
	if r.FinalAfter.Clock() != 0 {
		v.Add("reporting.final_after", "must be whole days or weeks")
	}
	if len(r.RemindBefore) > maxReminders {
		v.Add("reporting.remind_before", "must have at most %d entries", maxReminders)
	}
	for i, n := range r.RemindBefore {
		p := path("reporting.remind_before", i)
		switch {
		case n < 1 || n > maxReturnDays:
			v.Add(p, "must be between 1 and %d working days", maxReturnDays)
		case i > 0 && n >= r.RemindBefore[i-1]:
			v.Add(p, "must be fewer days than %s: reminders go furthest first", path("reporting.remind_before", i-1))
		}
	}
	if r.EscalateAfter < 0 || r.EscalateAfter > maxReturnDays {
		v.Add("reporting.escalate_after", "must be between 0 and %d working days", maxReturnDays)
	}
}

func (d Definition) validateTemplate(v *fundflow.Invalid, p string, t ReturnTemplate) {
	v.Text(p+".title", t.Title, maxLabelLen, true)
	for _, fe := range returnFormProblems(t.Form) {
		v.Add(p+".form."+fe.Field, "%s", fe.Message)
	}
	unique(v, p+".measures", "", len(t.Measures), func(i int) string { return t.Measures[i] })
	for i, id := range t.Measures {
		if _, ok := d.Measure(id); !ok {
			v.Add(path(p+".measures", i), "is not a measure of this fund")
		}
	}
}

// returnFormProblems are a return form's problems. The form engine checks
// an application form, which must ask what every application is read for
// (the lead contact, the amount requested); a return asks none of that, so
// what any form without those questions is told is left out.
func returnFormProblems(f form.Form) fundflow.Invalid {
	bare := form.Form{Sections: []form.Section{{ID: "s", Title: "S", Questions: []form.Question{{ID: "q", Type: form.YesNo, Label: "Q"}}}}}
	unasked := bare.Problems()
	return slices.DeleteFunc(f.Problems(), func(fe fundflow.FieldError) bool { return slices.Contains(unasked, fe) })
}
