//go:build !nodev

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/registry"
	"github.com/fundflow/fundflow/workflows"
)

// devActor seeds the directory in dev mode.
var devActor = fundflow.Actor{ID: "fundflow-dev", Name: "fundflow dev seed", Role: fundflow.RoleSystem}

// devPerson is one of the people `fundflow dev` invites, and signs in as
// from its identity provider's "sign in as" list. Token names the dev token
// that acts as them, if any.
type devPerson struct {
	Label string
	directory.Invite
	Token string
}

// devLeadOrgs are the organisations whose ICS leads dev invites: those the
// tests and the README's walk-through use.
var devLeadOrgs = []struct{ code, name string }{
	{"QUY", "Jo Hughes"}, {"7A1", "Llŷr Jones"}, {"QOP", "Aisha Khan"}, {"SG9", "Morag Campbell"},
}

// devPeople is everyone dev seeds, in the order its sign-in page lists
// them.
func devPeople(orgs *registry.Registry) []devPerson {
	var out []devPerson
	for _, l := range devLeadOrgs {
		o, ok := orgs.Lookup(l.code)
		if !ok {
			continue
		}
		out = append(out, devPerson{Label: "ICS lead, " + strings.Replace(o.Name, "Integrated Care Board", "ICB", 1), Invite: directory.Invite{
			Email: "ics.lead." + strings.ToLower(o.Code) + "@example.nhs.uk", Name: l.name, OrgCode: o.Code,
			Roles: []fundflow.Role{fundflow.RoleApplicant},
		}})
	}
	staff := []struct {
		label, email, name, token string
		role                      fundflow.Role
	}{
		{"Reviewer 1", "rhian.evans@example.nhs.uk", "Dr Rhian Evans", "reviewer1", fundflow.RoleReviewer},
		{"Reviewer 2", "ravi.shah@example.nhs.uk", "Ravi Shah", "reviewer2", fundflow.RoleReviewer},
		{"Reviewer 3", "rosa.okafor@example.nhs.uk", "Rosa Okafor", "reviewer3", fundflow.RoleReviewer},
		{"Panel chair", "pat.morgan@example.nhs.uk", "Pat Morgan", "panel_chair", fundflow.RolePanelChair},
		{"Programme manager", "sam.patel@example.nhs.uk", "Sam Patel", "programme_manager", fundflow.RoleProgrammeManager},
		{"Admin", "ada.lovelace@example.nhs.uk", "Ada Lovelace", "admin", fundflow.RoleAdmin},
	}
	for _, s := range staff {
		out = append(out, devPerson{Label: s.label, Token: s.token, Invite: directory.Invite{
			Email: s.email, Name: s.name, Roles: []fundflow.Role{s.role},
		}})
	}
	return out
}

// seedDirectory invites dev's people and, the first time, puts the three
// reviewers in each dev fund's pool. Each change has a fixed key, so a
// restart part-way through repeats nothing; a person or pool already there
// is left as an admin may have changed it.
func seedDirectory(ctx context.Context, tc client.Client, people []devPerson) error {
	st, err := directoryState(ctx, tc)
	if err != nil {
		return err
	}
	var reviewers []string
	for _, p := range people {
		id := directory.UserID(p.Email)
		if slices.Contains(p.Roles, fundflow.RoleReviewer) {
			reviewers = append(reviewers, id)
		}
		if _, ok := st.User(id); ok {
			continue
		}
		key := "dev:invite:" + id
		err := directoryUpdate(ctx, tc, workflows.UpdateInviteUser, key, workflows.InviteUserRequest{
			Command: workflows.Command{Key: key, Actor: devActor}, Invite: p.Invite}, nil)
		if err != nil && fundflow.ErrorCode(err) != fundflow.ECONFLICT {
			return fmt.Errorf("invite %s: %w", p.Email, err)
		}
	}
	for _, def := range devFunds(time.Now()) {
		if slices.ContainsFunc(st.Pools, func(p directory.Pool) bool { return p.FundID == def.ID }) {
			continue
		}
		key := "dev:pool:" + def.ID
		err = directoryUpdate(ctx, tc, workflows.UpdateSetFundPool, key, workflows.SetFundPoolRequest{
			Command: workflows.Command{Key: key, Actor: devActor}, FundID: def.ID, Reviewers: reviewers, Panel: []string{},
			Reason: "dev seed"}, nil)
		if err != nil {
			return fmt.Errorf("seed the reviewer pool of %s: %w", def.ID, err)
		}
	}
	return nil
}
