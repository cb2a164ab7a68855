package application

import (
	"reflect"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

func TestTimelineAppends(t *testing.T) {
	var tl Timeline
	bst := time.FixedZone("BST", 3600)
	e1 := tl.Append(time.Date(2026, 5, 1, 10, 0, 0, 0, bst), AudienceEveryone, applicant, "submitted", "")
	e2 := tl.Append(time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC), AudienceEveryone, fundflow.System, "eligibility_checked", "pass_with_caveats")
	e3 := tl.Append(time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC), AudienceEveryone, fundflow.Actor{ID: "u-9", Role: fundflow.RoleReviewer}, "query_raised", "q1")

	want := Timeline{
		{Seq: 1, At: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Actor: "Asha", Role: fundflow.RoleApplicant, Action: "submitted", Audience: AudienceEveryone},
		{Seq: 2, At: time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC), Actor: "fundflow", Role: fundflow.RoleSystem, Action: "eligibility_checked", Detail: "pass_with_caveats", Audience: AudienceEveryone},
		{Seq: 3, At: time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC), Actor: "u-9", Role: fundflow.RoleReviewer, Action: "query_raised", Detail: "q1", Audience: AudienceEveryone},
	}
	if !reflect.DeepEqual(tl, want) {
		t.Errorf("timeline\n%+v\nwant\n%+v", tl, want)
	}
	if e1 != want[0] || e2 != want[1] || e3 != want[2] {
		t.Error("Append returned a different entry from the one it stored")
	}
	if e1.At.Location() != time.UTC {
		t.Error("times are not stored in UTC")
	}

	var back Timeline
	roundTrip(t, tl, &back)
	if !reflect.DeepEqual(back, tl) {
		t.Errorf("JSON round trip: %+v", back)
	}
}

func TestTimelineAudiences(t *testing.T) {
	rev := fundflow.Actor{ID: "u-9", Name: "Rhian One", Role: fundflow.RoleReviewer}
	var tl Timeline
	tl.Append(time.Now(), AudienceStaff, rev, "reviewers_assigned", "Rhian One")
	query := tl.Append(time.Now(), AudienceEveryone, rev, "query_raised", "q1")
	if _, ok := tl[0].ForApplicant(); ok {
		t.Error("an entry for staff is shown to the applicant")
	}
	e, ok := query.ForApplicant()
	if !ok || e.Actor != ReviewerLabel || e.Detail != "q1" {
		t.Errorf("the applicant sees %+v, %v; want the query by a Reviewer", e, ok)
	}
	if query.Actor != "Rhian One" {
		t.Error("ForApplicant changed the recorded entry")
	}
	// Entries recorded before audiences were kept take their action's.
	for action, want := range map[string]Audience{"assessments_complete": AudienceStaff, "reviewers_assigned": AudienceStaff, "submitted": AudienceEveryone, "approved": AudienceEveryone} {
		if got := (Entry{Action: action}).Seen(); got != want {
			t.Errorf("an old %s entry is for %s, want %s", action, got, want)
		}
	}
}
