package fund

import (
	"cmp"
	"slices"
	"time"
)

// ReviewerAssignment is a reviewer's live assignment to one of the fund's
// applications. It lasts until that application's assessment ends, so a
// reviewer's load is the work still in front of them, not all they have
// ever done.
type ReviewerAssignment struct {
	ReviewerID    string `json:"reviewer_id"`
	ApplicationID string `json:"application_id"`
}

// ReviewerConflict is a reviewer's declared conflict of interest with an
// organisation. It bars them from every application the organisation makes
// to the fund, not only the one they declared it on.
type ReviewerConflict struct {
	OrgCode    string `json:"org_code"`
	ReviewerID string `json:"reviewer_id"`
	// ApplicationID is where the conflict was declared.
	ApplicationID string    `json:"application_id"`
	DeclaredAt    time.Time `json:"declared_at"`
}

// Reviewing is what the fund knows of its reviewers. The fund keeps it, not
// each application, because spreading work fairly needs every application's
// assignments at once. Both lists are sorted slices rather than maps, so the
// state serialises identically every time and walking it is deterministic.
type Reviewing struct {
	// Assignments are sorted by reviewer, then application.
	Assignments []ReviewerAssignment `json:"assignments,omitempty"`
	// Conflicts are sorted by organisation, then reviewer.
	Conflicts []ReviewerConflict `json:"conflicts,omitempty"`
}

func compareAssignment(a, b ReviewerAssignment) int {
	return cmp.Or(cmp.Compare(a.ReviewerID, b.ReviewerID), cmp.Compare(a.ApplicationID, b.ApplicationID))
}

func compareConflict(a, b ReviewerConflict) int {
	return cmp.Or(cmp.Compare(a.OrgCode, b.OrgCode), cmp.Compare(a.ReviewerID, b.ReviewerID))
}

// Load counts each reviewer's live assignments; a reviewer with none is
// absent.
func (r Reviewing) Load() map[string]int {
	load := map[string]int{}
	for _, a := range r.Assignments {
		load[a.ReviewerID]++
	}
	return load
}

// AssignedTo lists the applications reviewer has live assignments to, in id
// order.
func (r Reviewing) AssignedTo(reviewer string) []string {
	// The empty application id sorts first, so this finds the reviewer's
	// first assignment.
	i, _ := slices.BinarySearchFunc(r.Assignments, ReviewerAssignment{ReviewerID: reviewer}, compareAssignment)
	var out []string
	for _, a := range r.Assignments[i:] {
		if a.ReviewerID != reviewer {
			break
		}
		out = append(out, a.ApplicationID)
	}
	return out
}

// Conflicted lists the reviewers who declared a conflict with org, in id
// order.
func (r Reviewing) Conflicted(org string) []string {
	var out []string
	for _, c := range r.Conflicts {
		if c.OrgCode == org {
			out = append(out, c.ReviewerID)
		}
	}
	return out
}

// Assign records live assignments of reviewers to app. Assigning a reviewer
// who is already assigned to app changes nothing.
func (r *Reviewing) Assign(app string, reviewers ...string) {
	for _, id := range reviewers {
		a := ReviewerAssignment{ReviewerID: id, ApplicationID: app}
		if i, found := slices.BinarySearchFunc(r.Assignments, a, compareAssignment); !found {
			r.Assignments = slices.Insert(r.Assignments, i, a)
		}
	}
}

// Unassign ends app's live assignments: those of the reviewers given, or
// every one when none are. Ending one that does not exist changes nothing.
func (r *Reviewing) Unassign(app string, reviewers ...string) {
	r.Assignments = slices.DeleteFunc(r.Assignments, func(a ReviewerAssignment) bool {
		return a.ApplicationID == app && (len(reviewers) == 0 || slices.Contains(reviewers, a.ReviewerID))
	})
}

// DeclareConflict records reviewer's conflict with org, declared on app,
// and ends their live assignment to app. A conflict stays declared:
// declaring it again keeps the first declaration.
func (r *Reviewing) DeclareConflict(reviewer, org, app string, at time.Time) {
	r.Unassign(app, reviewer)
	c := ReviewerConflict{OrgCode: org, ReviewerID: reviewer, ApplicationID: app, DeclaredAt: at.UTC()}
	if i, found := slices.BinarySearchFunc(r.Conflicts, c, compareConflict); !found {
		r.Conflicts = slices.Insert(r.Conflicts, i, c)
	}
}
