package application

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Result is the outcome of one eligibility rule, or of all of them.
type Result string

const (
	Pass Result = "pass"
	// PassWithCaveats passes, with something a reviewer should look at
	// before confirming.
	PassWithCaveats Result = "pass_with_caveats"
	Fail            Result = "fail"
)

// Rule ids, in the order CheckEligibility runs them.
const (
	RuleOrganisationValid  = "organisation_valid"
	RuleOrganisationType   = "organisation_type"
	RuleNation             = "nation"
	RuleOneLiveApplication = "one_live_application"
	RuleMaxAward           = "max_award"
	RuleFundWindow         = "fund_window"
	RuleReach              = "reach"
)

// RuleResult is one rule's verdict with a reason written for the reviewer
// who confirms eligibility and, on a fail, for the ineligibility letter.
type RuleResult struct {
	Rule   string `json:"rule"`
	Result Result `json:"result"`
	Reason string `json:"reason"`
}

// EligibilityInput is everything the rules look at. It carries lookups
// already made rather than the registry and the fund's ledger, so the
// workflow can fetch them in activities and the rules stay pure.
type EligibilityInput struct {
	Content Content
	Fund    fund.Definition
	// Org and Validity are organisation.ValidOn(Content.OrgCode, DateOf(SubmittedAt)).
	Org      organisation.Org
	Validity organisation.Validity
	// OtherLive lists the organisation's other live applications to this
	// fund, as the fund's ledger knows them.
	OtherLive   []string
	SubmittedAt time.Time
}

// CheckEligibility runs every rule, always all of them and always in the
// same order, so the reviewer sees the full picture and equal inputs give
// equal answers.
func CheckEligibility(in EligibilityInput) []RuleResult {
	return []RuleResult{
		orgValid(in),
		orgType(in),
		nation(in),
		oneLive(in),
		maxAward(in),
		window(in),
		reach(in),
	}
}

// Overall is the worst result: fail if any rule failed, otherwise
// pass_with_caveats if any rule had caveats, otherwise pass.
func Overall(results []RuleResult) Result {
	out := Pass
	for _, r := range results {
		switch r.Result {
		case Fail:
			return Fail
		case PassWithCaveats:
			out = PassWithCaveats
		}
	}
	return out
}

func orgValid(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleOrganisationValid}
	on := longDate(organisation.DateOf(in.SubmittedAt))
	o := in.Org
	switch in.Validity.Status {
	case organisation.NotFound:
		r.Result, r.Reason = Fail, fmt.Sprintf("Organisation code %s is not in the registry of eligible organisations.", in.Content.OrgCode)
	case organisation.NotYetValid:
		r.Result, r.Reason = Fail, fmt.Sprintf("%s did not exist on the submission date, %s: it was established on %s.",
			named(o), on, longDate(o.ValidFrom))
	case organisation.Abolished:
		succ := "the registry names no successor that existed on that date"
		if s := in.Validity.Successor; s != nil {
			succ = "its successor is " + named(*s) + ", which may apply instead"
		}
		r.Result, r.Reason = Fail, fmt.Sprintf("%s was abolished on %s, before the submission date, %s; %s.",
			named(o), longDate(o.ValidTo), on, succ)
	case organisation.Valid:
		r.Result, r.Reason = Pass, fmt.Sprintf("%s was a valid organisation on the submission date, %s.", named(o), on)
		// Scottish boards' ODS codes, for one, are inferred rather than
		// published, so the code the applicant holds may not be real.
		if o.Verified != "yes" {
			r.Result = PassWithCaveats
			r.Reason += fmt.Sprintf(" Its registry record is not fully verified (%q): confirm the organisation and its code before assessment.", o.Verified)
		}
	default:
		r.Result, r.Reason = Fail, fmt.Sprintf("The registry gave no usable answer for %s.", in.Content.OrgCode)
	}
	return r
}

func orgType(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleOrganisationType}
	if in.Validity.Status == organisation.NotFound {
		r.Result, r.Reason = Fail, "The organisation type is unknown because the organisation is not in the registry."
		return r
	}
	var allowed []string
	for _, t := range in.Fund.EligibleOrgTypes {
		allowed = append(allowed, orgTypeName(string(t)))
	}
	types := joinAnd(allowed)
	if in.Fund.OrgTypeEligible(fund.OrgType(in.Org.Type)) {
		r.Result, r.Reason = Pass, fmt.Sprintf("%s is one of the %s; this fund is open to %s.", named(in.Org), orgTypeName(string(in.Org.Type)), types)
	} else {
		r.Result, r.Reason = Fail, fmt.Sprintf("%s is one of the %s, and this fund is open only to %s.", named(in.Org), orgTypeName(string(in.Org.Type)), types)
	}
	return r
}

func nation(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleNation}
	if in.Validity.Status == organisation.NotFound {
		r.Result, r.Reason = Fail, "The nation is unknown because the organisation is not in the registry."
		return r
	}
	var allowed []string
	for _, n := range in.Fund.EligibleNations {
		allowed = append(allowed, string(n))
	}
	if in.Fund.NationEligible(fund.Nation(in.Org.Nation)) {
		r.Result, r.Reason = Pass, fmt.Sprintf("%s is in %s; this fund is open to organisations in %s.", named(in.Org), in.Org.Nation, joinAnd(allowed))
	} else {
		r.Result, r.Reason = Fail, fmt.Sprintf("%s is in %s, and this fund is open only to organisations in %s.", named(in.Org), in.Org.Nation, joinAnd(allowed))
	}
	return r
}

func oneLive(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleOneLiveApplication}
	switch len(in.OtherLive) {
	case 0:
		r.Result, r.Reason = Pass, "This is the organisation's only live application to this fund."
	default:
		r.Result, r.Reason = Fail, fmt.Sprintf("The organisation already has a live application to this fund (%s); each organisation may have only one.",
			strings.Join(in.OtherLive, ", "))
	}
	return r
}

func maxAward(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleMaxAward}
	req, limit := in.Content.RequestedPence, in.Fund.MaxAwardPence
	switch {
	case req <= 0:
		r.Result, r.Reason = Fail, "No amount was requested."
	case req > limit:
		r.Result, r.Reason = Fail, fmt.Sprintf("%s was requested, more than the fund's maximum award of %s.", money.Format(req), money.Format(limit))
	default:
		r.Result, r.Reason = Pass, fmt.Sprintf("%s was requested, within the fund's maximum award of %s.", money.Format(req), money.Format(limit))
	}
	return r
}

func window(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleFundWindow}
	at, opens, closes := calendar.LongTime(in.SubmittedAt), calendar.LongTime(in.Fund.OpensAt), calendar.LongTime(in.Fund.ClosesAt)
	switch {
	case in.SubmittedAt.Before(in.Fund.OpensAt):
		r.Result, r.Reason = Fail, fmt.Sprintf("Submitted at %s, before the fund opened at %s (UK time).", at, opens)
	case !in.SubmittedAt.Before(in.Fund.ClosesAt):
		r.Result, r.Reason = Fail, fmt.Sprintf("Submitted at %s, after the fund closed at %s (UK time).", at, closes)
	default:
		r.Result, r.Reason = Pass, fmt.Sprintf("Submitted at %s, while the fund was open, from %s to %s (UK time).", at, opens, closes)
	}
	return r
}

// reach never fails: implausible figures are for the assessors to weigh,
// not grounds to turn an application away unread.
func reach(in EligibilityInput) RuleResult {
	r := RuleResult{Rule: RuleReach, Result: Pass}
	c := in.Content
	var caveats []string
	if c.PlannedReach > c.PopulationCovered {
		caveats = append(caveats, fmt.Sprintf("the planned reach of %s people is more than the population covered, %s",
			count(c.PlannedReach), count(c.PopulationCovered)))
	}
	// A fifth over allows for growth since the registry's (older) estimate.
	if p := in.Org.Population; p > 0 && c.PopulationCovered > p+p/5 {
		caveats = append(caveats, fmt.Sprintf("the population covered, %s, is well above the registry's estimate of %s for the organisation",
			count(c.PopulationCovered), count(p)))
	}
	if len(caveats) == 0 {
		r.Reason = fmt.Sprintf("The planned reach of %s people is within the population covered, %s.", count(c.PlannedReach), count(c.PopulationCovered))
		return r
	}
	r.Result = PassWithCaveats
	s := strings.Join(caveats, "; and ")
	r.Reason = strings.ToUpper(s[:1]) + s[1:] + "."
	return r
}

// named is "NHS Central East Integrated Care Board (S1Y5D)".
func named(o organisation.Org) string { return o.Name + " (" + o.Code + ")" }

// orgTypeName is the plural a sentence needs; the fund and the registry
// spell types identically.
func orgTypeName(t string) string {
	switch organisation.OrgType(t) {
	case organisation.ICB:
		return "integrated care boards"
	case organisation.ScottishHealthBoard:
		return "Scottish health boards"
	case organisation.WelshLocalHealthBoard:
		return "Welsh local health boards"
	case organisation.NIHSCTrust:
		return "Northern Ireland health and social care trusts"
	}
	return t
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return "no one"
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func longDate(d organisation.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2 January 2006")
}

// count writes people with thousands separators: 1,015,000.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
