package workflows

import (
	"encoding/json"
	"slices"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
)

// A single read (GET /v1/applications/{id}) can be answered from the read
// model instead of a workflow Query when the projection holds everything
// the Query would have answered for the caller. The view is the same for
// every staff role, and the applicant's is cut from it by the API; only
// the actions depend on who asks. The rules in actions.go look at the
// actor's role, an applicant's organisation and a reviewer's id (assigned,
// or with a conflict), so the projection carries the actions of each
// audience those rules can tell apart: the applicant organisation, each
// staff role, every reviewer the panel names, and any other reviewer.

// audienceOf is the ActionsBy key for by's actions on v.
func audienceOf(by fundflow.Actor, v ApplicationView) string {
	named := func(key string) string {
		if _, ok := v.ActionsBy[key]; ok {
			return key
		}
		return ""
	}
	switch by.Role {
	case fundflow.RoleApplicant:
		if !by.ApplicantOf(v.OrgCode) {
			return named(memberAudience(by.ID))
		}
		if key := named(certifierAudience(by.ID)); key != "" {
			return key
		}
	case fundflow.RoleCoApplicant:
		return named(memberAudience(by.ID))
	case fundflow.RoleReviewer:
		if _, ok := v.ActionsBy[activities.ReviewerAudience(by.ID)]; ok {
			return activities.ReviewerAudience(by.ID)
		}
	}
	return string(by.Role)
}

// For is a projected view as by's Query would answer it: with by's
// actions, and without everyone else's.
func (v ApplicationView) For(by fundflow.Actor) ApplicationView {
	v.Actions = nonNil(slices.Clone(v.ActionsBy[audienceOf(by, v)]))
	v.ActionsBy = nil
	return v
}

// actionsByAudience is what each audience may do now.
func (a *applicationWorkflow) actionsByAudience() map[string][]Action {
	out := map[string][]Action{
		string(fundflow.RoleApplicant): a.actions(fundflow.Actor{Role: fundflow.RoleApplicant, OrgCode: a.OrgCode}),
		string(fundflow.RoleReviewer):  a.actions(fundflow.Actor{Role: fundflow.RoleReviewer}),
	}
	for _, r := range fundflow.Roles {
		if r.Staff() && r != fundflow.RoleReviewer {
			out[string(r)] = a.actions(fundflow.Actor{Role: r})
		}
	}
	named := func(id string) {
		if id != "" {
			out[activities.ReviewerAudience(id)] = a.actions(fundflow.Actor{Role: fundflow.RoleReviewer, ID: id})
		}
	}
	for _, r := range a.Panel.Current() {
		named(r.ID)
	}
	// Certifiers and co-applicants are told apart by who they are: a
	// certifier may sign off the bid, sign the agreement and sign off a
	// return, a co-applicant has the right they were given.
	for _, c := range a.certifierAudiences() {
		out[certifierAudience(c.UserID)] = a.actions(fundflow.Actor{Role: fundflow.RoleApplicant, OrgCode: a.OrgCode, ID: c.UserID})
	}
	for _, m := range a.Team.Current() {
		out[memberAudience(m.ID)] = a.actions(fundflow.Actor{Role: fundflow.RoleCoApplicant, ID: m.ID})
	}
	for _, c := range a.Panel.Conflicts {
		named(c.Reviewer.ID)
	}
	return out
}

// certifierAudiences are every certifier a rule names: the bid's, the
// offer's signatories and each return's.
func (a *applicationWorkflow) certifierAudiences() []activities.CertifierInfo {
	var all []activities.CertifierInfo
	if a.SignOff != nil {
		all = append(all, a.SignOff.Certifiers...)
	}
	if a.Offer != nil {
		all = append(all, a.Offer.Signatories...)
	}
	for _, r := range a.Returns {
		all = append(all, r.Certifiers...)
	}
	return all
}

// projectedView is v as the read model stores it for single reads, or nil
// when v has no ActionsBy (a read that did not ask for them). Letters lose
// their snapshots, as every caller's view does.
func projectedView(v ApplicationView) json.RawMessage {
	if v.ActionsBy == nil {
		return nil
	}
	v.Actions = nil
	v.Letters = slices.Clone(v.Letters)
	for i := range v.Letters {
		v.Letters[i].Snapshot = nil
	}
	b, err := json.Marshal(v) //workflowcheck:ignore encoding/json is deterministic, map keys sorted; the checker flags its type cache
	mustHold(err)
	return b
}

func certifierAudience(userID string) string { return "certifier:" + userID }
func memberAudience(userID string) string    { return "member:" + userID }
