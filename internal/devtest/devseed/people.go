package devseed

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// Actor seeds the directory in dev mode.
var Actor = fundflow.Actor{ID: "fundflow-dev", Name: "fundflow dev seed", Role: fundflow.RoleSystem}

// Person is one of the people `fundflow dev` invites, and signs in as
// from its identity provider's "sign in as" list. Token names the dev token
// that acts as them, if any; Certifies, when set, is the capacity in which
// dev names them a certifier of their organisation.
type Person struct {
	Label string
	directory.Invite
	Token     string
	Certifies directory.Capacity
}

// leadOrgs are the organisations whose ICS leads dev invites: those the
// tests and the README's walk-through use.
var leadOrgs = []struct{ code, name string }{
	{"QUY", "Jo Hughes"}, {"7A1", "Llŷr Jones"}, {"QOP", "Aisha Khan"}, {"SG9", "Morag Campbell"},
}

// certifiers are the finance officers dev names as certifiers, one for
// each lead organisation, since dev's funds ask for sign-off.
var certifiers = []struct{ code, name string }{
	{"QUY", "Helen Barker"}, {"7A1", "Gareth Pritchard"}, {"QOP", "Imran Siddiqui"}, {"SG9", "Fiona MacLeod"},
}

// People is everyone dev seeds, in the order its sign-in page lists
// them.
func People(orgs *organisation.Registry) []Person {
	var out []Person
	for _, l := range leadOrgs {
		o, ok := orgs.Lookup(l.code)
		if !ok {
			continue
		}
		out = append(out, Person{Label: "ICS lead, " + strings.Replace(o.Name, "Integrated Care Board", "ICB", 1), Invite: directory.Invite{
			Email: "ics.lead." + strings.ToLower(o.Code) + "@example.nhs.uk", Name: l.name, OrgCode: o.Code,
			Roles: []fundflow.Role{fundflow.RoleApplicant},
		}})
	}
	for _, c := range certifiers {
		o, ok := orgs.Lookup(c.code)
		if !ok {
			continue
		}
		out = append(out, Person{Label: "Chief finance officer, " + strings.Replace(o.Name, "Integrated Care Board", "ICB", 1), Certifies: directory.CapacityChiefFinanceOfficer, Token: CertifierToken(o.Code),
			Invite: directory.Invite{Email: "cfo." + strings.ToLower(o.Code) + "@example.nhs.uk", Name: c.name, OrgCode: o.Code, Roles: []fundflow.Role{fundflow.RoleApplicant}}})
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
		// Invited onto QUY's seeded partnership bid; see partnership.
		{"Co-applicant, Bristol City Council", devCoApplicant, "Amira Hassan", "co_applicant", fundflow.RoleCoApplicant},
	}
	for _, s := range staff {
		out = append(out, Person{Label: s.label, Token: s.token, Invite: directory.Invite{
			Email: s.email, Name: s.name, Roles: []fundflow.Role{s.role},
		}})
	}
	return out
}

// Directory invites dev's people and, the first time, puts the three
// reviewers in each dev fund's pool and names the seeded finance officers
// their organisations' certifiers. Each change has a fixed key, so a
// restart part-way through repeats nothing; a person, pool or list of
// certifiers already there is left as an admin may have changed it.
func Directory(ctx context.Context, tc client.Client, people []Person) error {
	st, err := workflows.ReadDirectory(ctx, tc)
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
		err := temporalerr.Update(ctx, tc, workflows.DirectoryWorkflowID, workflows.UpdateInviteUser, key, workflows.InviteUserRequest{
			Command: workflows.Command{Key: key, Actor: Actor}, Invite: p.Invite}, nil)
		if err != nil && fundflow.ErrorCode(err) != fundflow.ECONFLICT {
			return fmt.Errorf("invite %s: %w", p.Email, err)
		}
	}
	for _, def := range Funds(time.Now()) {
		if slices.ContainsFunc(st.Pools, func(p directory.Pool) bool { return p.FundID == def.ID }) {
			continue
		}
		key := "dev:pool:" + def.ID
		err = temporalerr.Update(ctx, tc, workflows.DirectoryWorkflowID, workflows.UpdateSetFundPool, key, workflows.SetFundPoolRequest{
			Command: workflows.Command{Key: key, Actor: Actor}, FundID: def.ID, Reviewers: reviewers, Panel: []string{},
			Reason: "dev seed"}, nil)
		if err != nil {
			return fmt.Errorf("seed the reviewer pool of %s: %w", def.ID, err)
		}
	}
	return seedCertifiers(ctx, tc, st, people)
}

// seedCertifiers names each certifier, open-ended, from the start of the
// 2026/27 financial year. The date is fixed so that the request, and with
// it its key, is the same on every start: the directory answers a repeat
// from memory. An organisation with certifiers is left as an admin may
// have changed it, and a person an admin has since deactivated or moved
// cannot be named, which dev leaves at that.
func seedCertifiers(ctx context.Context, tc client.Client, st directory.State, people []Person) error {
	from := organisation.Date{Year: 2026, Month: time.April, Day: 1}
	for _, p := range people {
		if p.Certifies == "" || len(st.CertifiersOf(p.OrgCode)) > 0 {
			continue
		}
		key := "dev:certifiers:" + p.OrgCode
		err := temporalerr.Update(ctx, tc, workflows.DirectoryWorkflowID, workflows.UpdateSetCertifiers, key, workflows.SetCertifiersRequest{
			Command: workflows.Command{Key: key, Actor: Actor}, OrgCode: p.OrgCode, Reason: "dev seed",
			Certifiers: []directory.Certifier{{UserID: directory.UserID(p.Email), Capacity: p.Certifies, From: from}}}, nil)
		if err != nil && fundflow.ErrorCode(err) != fundflow.EVALIDATION {
			return fmt.Errorf("seed the certifiers of %s: %w", p.OrgCode, err)
		}
	}
	return nil
}

// CertifierToken names the dev token that acts as an organisation's
// seeded certifier.
func CertifierToken(code string) string { return "certifier_" + strings.ToUpper(code) }
