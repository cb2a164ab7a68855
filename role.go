package fundflow

import "time"

// Role is what a token may do. Roles are fixed by the product, not
// configurable, because every workflow validator relies on them.
type Role string

const (
	RoleApplicant        Role = "applicant"
	RoleReviewer         Role = "reviewer"
	RolePanelChair       Role = "panel_chair"
	RoleProgrammeManager Role = "programme_manager"
	RoleAdmin            Role = "admin"
	// RoleCoApplicant is a person from outside the lead organisation (a
	// council's public health lead, a charity's project manager) who may
	// act only on the applications they have been invited to, with the
	// right the invitation gave them; being in the directory gives them
	// nothing else.
	RoleCoApplicant Role = "co_applicant"
	// RoleSystem attributes what the engine does by itself: timers firing,
	// waitlist promotion, automatic checks.
	RoleSystem Role = "system"
)

// Roles lists the roles a token can hold, in a stable order.
var Roles = []Role{RoleApplicant, RoleReviewer, RolePanelChair, RoleProgrammeManager, RoleAdmin, RoleCoApplicant}

// Valid reports whether r is a role a token can hold.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Staff roles see every organisation's applications.
func (r Role) Staff() bool { return r.Valid() && !r.Applying() }

// Applying roles are the bidders' side: scoped to their organisation or to
// the applications they were invited to.
func (r Role) Applying() bool { return r == RoleApplicant || r == RoleCoApplicant }

// Actor is who issued a command. It travels with every command into the
// workflows so each timeline entry can say who, in what role, and why.
type Actor struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    Role   `json:"role"`
	OrgCode string `json:"org_code,omitempty"`
}

// ApplicantOf reports whether a acts as organisation org's applicant, the
// only actor that may do what the applicant organisation does.
func (a Actor) ApplicantOf(org string) bool { return a.Role == RoleApplicant && a.OrgCode == org }

// MaySee reports whether a may see organisation org's applications: staff
// and the engine see every organisation's, an applicant only its own, and a
// co-applicant none by organisation (only those they were invited to, which
// the application itself knows).
func (a Actor) MaySee(org string) bool {
	return !a.Role.Applying() || (a.Role == RoleApplicant && a.OrgCode == org)
}

// System is the actor for what the engine does on its own.
var System = Actor{ID: "system", Name: "fundflow", Role: RoleSystem}

// Clock is injected wherever wall time matters outside workflow code, so
// tests can pin "today" (workflows use workflow.Now instead).
type Clock func() time.Time
