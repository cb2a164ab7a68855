package fund

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestReviewingLoadAndUnassign(t *testing.T) {
	var r Reviewing
	r.Assign("a2", "rev-b", "rev-a")
	r.Assign("a1", "rev-a")
	r.Assign("a1", "rev-a") // again: no change
	want := []ReviewerAssignment{
		{ReviewerID: "rev-a", ApplicationID: "a1"},
		{ReviewerID: "rev-a", ApplicationID: "a2"},
		{ReviewerID: "rev-b", ApplicationID: "a2"},
	}
	if !slices.Equal(r.Assignments, want) {
		t.Errorf("Assignments = %v, want %v (by reviewer, then application)", r.Assignments, want)
	}
	checkLoad := func(want map[string]int) {
		t.Helper()
		if got := r.Load(); !maps.Equal(got, want) {
			t.Errorf("Load = %v, want %v", got, want)
		}
	}
	checkLoad(map[string]int{"rev-a": 2, "rev-b": 1})
	r.Unassign("a2", "rev-a")
	checkLoad(map[string]int{"rev-a": 1, "rev-b": 1})
	r.Unassign("a2")
	checkLoad(map[string]int{"rev-a": 1})
	r.Unassign("nobody")
	checkLoad(map[string]int{"rev-a": 1})
}

func TestReviewingAssignedTo(t *testing.T) {
	var r Reviewing
	r.Assign("a3", "rev-b")
	r.Assign("a2", "rev-a", "rev-c")
	r.Assign("a1", "rev-b", "rev-a")
	for reviewer, want := range map[string][]string{
		"rev-a": {"a1", "a2"}, "rev-b": {"a1", "a3"}, "rev-c": {"a2"}, "rev-0": nil, "rev-z": nil,
	} {
		if got := r.AssignedTo(reviewer); !slices.Equal(got, want) {
			t.Errorf("AssignedTo(%s) = %v, want %v", reviewer, got, want)
		}
	}
}

func TestReviewingConflicts(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var r Reviewing
	r.Assign("a1", "rev-a", "rev-b")
	r.DeclareConflict("rev-b", "QUY", "a1", at)
	r.DeclareConflict("rev-a", "7A1", "a9", at)
	r.DeclareConflict("rev-b", "QUY", "a3", at.Add(time.Hour)) // again: the first stands

	if got := r.Load(); !maps.Equal(got, map[string]int{"rev-a": 1}) {
		t.Errorf("Load = %v: the conflict should end rev-b's assignment to a1", got)
	}
	for org, want := range map[string][]string{"QUY": {"rev-b"}, "7A1": {"rev-a"}, "QHL": nil} {
		if got := r.Conflicted(org); !slices.Equal(got, want) {
			t.Errorf("Conflicted(%s) = %v, want %v", org, got, want)
		}
	}
	wantConflicts := []ReviewerConflict{
		{OrgCode: "7A1", ReviewerID: "rev-a", ApplicationID: "a9", DeclaredAt: at},
		{OrgCode: "QUY", ReviewerID: "rev-b", ApplicationID: "a1", DeclaredAt: at},
	}
	if !slices.Equal(r.Conflicts, wantConflicts) {
		t.Errorf("Conflicts = %v, want %v", r.Conflicts, wantConflicts)
	}

	// Plain data: the fund carries it across Continue-As-New.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Reviewing
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Errorf("round trip = %+v, want %+v", back, r)
	}
}
