package application

import (
	"slices"
	"testing"
)

// apiStatuses is API.md's list, which is a contract.
var apiStatuses = []Status{
	"draft", "submitted", "eligibility", "information_requested", "ineligible", "assessment", "panel",
	"rejected", "waitlisted", "offered", "accepted", "declined", "offer_expired", "in_deployment",
	"completed", "withdrawn", "terminated",
}

// addedStatuses extend API.md's list, which may grow but never lose one.
var addedStatuses = []Status{StatusAwaitingSignOff}

func TestStatusesMatchTheAPI(t *testing.T) {
	var got []Status
	for _, s := range lifecycle {
		if !slices.Contains(addedStatuses, s.status) {
			got = append(got, s.status)
		}
	}
	if !slices.Equal(got, apiStatuses) {
		t.Errorf("statuses %q\nwant %q", got, apiStatuses)
	}
	for _, s := range append(slices.Clone(apiStatuses), addedStatuses...) {
		if !s.Valid() || s.Label() == "" || s.ApplicantLabel() == "" {
			t.Errorf("%s: valid %v, label %q, applicant label %q", s, s.Valid(), s.Label(), s.ApplicantLabel())
		}
	}
	if s := Status("approved"); s.Valid() || s.Label() != "" || s.ApplicantLabel() != "" || s.Open() || s.Final() {
		t.Error("an unknown status looks real")
	}
}

func TestApplicantLabels(t *testing.T) {
	for s, want := range map[Status]string{
		StatusSubmitted:            "Application received",
		StatusEligibility:          "Application received",
		StatusAssessment:           "Under assessment",
		StatusPanel:                "Awaiting panel decision",
		StatusInformationRequested: "Further information requested",
	} {
		if got := s.ApplicantLabel(); got != want {
			t.Errorf("%s.ApplicantLabel() = %q, want %q", s, got, want)
		}
	}
	if StatusEligibility.Label() == StatusEligibility.ApplicantLabel() {
		t.Error("staff should see that an application is in eligibility screening")
	}
}

func TestOpenAndFinal(t *testing.T) {
	var open, final []Status
	for _, s := range apiStatuses {
		if s.Open() {
			open = append(open, s)
		}
		if s.Final() {
			final = append(final, s)
		}
	}
	wantOpen := []Status{StatusDraft, StatusSubmitted, StatusEligibility, StatusInformationRequested,
		StatusAssessment, StatusPanel, StatusWaitlisted, StatusOffered}
	wantFinal := []Status{StatusIneligible, StatusRejected, StatusDeclined, StatusOfferExpired,
		StatusCompleted, StatusWithdrawn, StatusTerminated}
	if !slices.Equal(open, wantOpen) {
		t.Errorf("open %q, want %q", open, wantOpen)
	}
	if !slices.Equal(final, wantFinal) {
		t.Errorf("final %q, want %q", final, wantFinal)
	}
	for _, s := range apiStatuses {
		if s.Open() != CanTransition(s, StatusWithdrawn) {
			t.Errorf("%s: open %v but withdrawable %v", s, s.Open(), CanTransition(s, StatusWithdrawn))
		}
	}
}

func TestCanTransition(t *testing.T) {
	allowed := [][2]Status{
		{StatusDraft, StatusSubmitted},
		{StatusSubmitted, StatusEligibility},
		{StatusEligibility, StatusAssessment},
		{StatusEligibility, StatusIneligible},
		{StatusEligibility, StatusInformationRequested},
		{StatusInformationRequested, StatusEligibility},
		{StatusAssessment, StatusInformationRequested},
		{StatusInformationRequested, StatusAssessment},
		{StatusPanel, StatusInformationRequested},
		{StatusInformationRequested, StatusPanel},
		{StatusAssessment, StatusPanel},
		{StatusPanel, StatusOffered},
		{StatusPanel, StatusRejected},
		{StatusPanel, StatusWaitlisted},
		{StatusWaitlisted, StatusOffered},
		{StatusOffered, StatusAccepted},
		{StatusOffered, StatusDeclined},
		{StatusOffered, StatusOfferExpired},
		{StatusAccepted, StatusInDeployment},
		{StatusInDeployment, StatusCompleted},
		{StatusInDeployment, StatusTerminated},
		{StatusDraft, StatusWithdrawn},
		{StatusOffered, StatusWithdrawn},
	}
	refused := [][2]Status{
		{StatusDraft, StatusDraft},
		{StatusDraft, StatusEligibility},
		{StatusSubmitted, StatusAssessment},
		{StatusSubmitted, StatusIneligible},
		{StatusAssessment, StatusRejected},
		{StatusPanel, StatusAccepted},
		{StatusWaitlisted, StatusRejected},
		{StatusAccepted, StatusWithdrawn},
		{StatusInDeployment, StatusWithdrawn},
		{StatusWithdrawn, StatusDraft},
		{StatusCompleted, StatusTerminated},
		{StatusOfferExpired, StatusOffered},
		{StatusInformationRequested, StatusOffered},
		{"bogus", StatusDraft},
		{StatusDraft, "bogus"},
	}
	for _, tr := range allowed {
		if !CanTransition(tr[0], tr[1]) {
			t.Errorf("%s -> %s refused", tr[0], tr[1])
		}
	}
	for _, tr := range refused {
		if CanTransition(tr[0], tr[1]) {
			t.Errorf("%s -> %s allowed", tr[0], tr[1])
		}
	}
}

func TestLifecycleIsConnected(t *testing.T) {
	// Every status can be reached from draft, and every non-final status
	// can still reach a final one, so no application gets stuck.
	reached := map[Status]bool{StatusDraft: true}
	for changed := true; changed; {
		changed = false
		for _, from := range apiStatuses {
			for _, to := range apiStatuses {
				if reached[from] && !reached[to] && CanTransition(from, to) {
					reached[to], changed = true, true
				}
			}
		}
	}
	for _, s := range apiStatuses {
		if !reached[s] {
			t.Errorf("%s cannot be reached from draft", s)
		}
		if !s.Final() && !slices.ContainsFunc(apiStatuses, func(f Status) bool { return f.Final() && reaches(s, f) }) {
			t.Errorf("%s can never end", s)
		}
	}
}

func reaches(from, to Status) bool {
	seen := map[Status]bool{from: true}
	queue := []Status{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s == to {
			return true
		}
		for _, n := range apiStatuses {
			if CanTransition(s, n) && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return false
}
