package application

import "slices"

// Status is where an application is in its lifecycle (PRODUCT.md):
//
//	draft → submitted → eligibility → assessment → panel → offered → accepted → in_deployment → completed
//	eligibility → ineligible; panel → rejected | waitlisted; waitlisted → offered
//	any open state → withdrawn; offered → declined | offer_expired; in_deployment → terminated
//	eligibility | assessment | panel ⇄ information_requested
//	draft → awaiting_sign_off → submitted, where the fund requires sign-off;
//	awaiting_sign_off → draft (sent back); eligibility → awaiting_sign_off
//	(a signed-off bid changed before screening, which voids the sign-off)
type Status string

const (
	StatusDraft                Status = "draft"
	StatusAwaitingSignOff      Status = "awaiting_sign_off"
	StatusSubmitted            Status = "submitted"
	StatusEligibility          Status = "eligibility"
	StatusInformationRequested Status = "information_requested"
	StatusIneligible           Status = "ineligible"
	StatusAssessment           Status = "assessment"
	StatusPanel                Status = "panel"
	StatusRejected             Status = "rejected"
	StatusWaitlisted           Status = "waitlisted"
	StatusOffered              Status = "offered"
	StatusAccepted             Status = "accepted"
	StatusDeclined             Status = "declined"
	StatusOfferExpired         Status = "offer_expired"
	StatusInDeployment         Status = "in_deployment"
	StatusCompleted            Status = "completed"
	StatusWithdrawn            Status = "withdrawn"
	StatusTerminated           Status = "terminated"
)

type statusInfo struct {
	status Status
	// label is for staff, who need the exact stage; applicant is what the
	// applicant sees, which hides how their application is being screened
	// (submitted and eligibility both read "Application received").
	label, applicant string
	open             bool
	next             []Status
}

// lifecycle is the transition table, in API.md's order.
//
// Readings of the diagram worth stating:
//   - ineligible is reached from eligibility, not submitted: the automatic
//     checks only advise, and a reviewer confirms (PRODUCT.md).
//   - information_requested pauses eligibility, assessment and panel (API.md
//     lets a panel chair raise queries too) and returns to the stage it
//     paused; the table allows all three, and the workflow, which knows the
//     paused stage, must pick it.
//   - open states are the ones an applicant may withdraw from: everything
//     before acceptance that has not ended. Once an offer is accepted the
//     credit is committed and the award can only be ended by a programme
//     manager (terminated), so accepted and in_deployment are not open.
var lifecycle = []statusInfo{
	{StatusDraft, "Draft", "Draft", true,
		[]Status{StatusSubmitted, StatusAwaitingSignOff, StatusWithdrawn}},
	{StatusAwaitingSignOff, "Awaiting sign-off", "Awaiting sign-off", true,
		[]Status{StatusSubmitted, StatusDraft, StatusWithdrawn}},
	{StatusSubmitted, "Submitted", "Application received", true,
		[]Status{StatusEligibility, StatusWithdrawn}},
	{StatusEligibility, "Eligibility screening", "Application received", true,
		[]Status{StatusAssessment, StatusIneligible, StatusInformationRequested, StatusAwaitingSignOff, StatusWithdrawn}},
	{StatusInformationRequested, "Information requested", "Further information requested", true,
		[]Status{StatusEligibility, StatusAssessment, StatusPanel, StatusWithdrawn}},
	{StatusIneligible, "Ineligible", "Not eligible", false, nil},
	{StatusAssessment, "Assessment", "Under assessment", true,
		[]Status{StatusPanel, StatusInformationRequested, StatusWithdrawn}},
	{StatusPanel, "Panel", "Awaiting panel decision", true,
		[]Status{StatusOffered, StatusRejected, StatusWaitlisted, StatusInformationRequested, StatusWithdrawn}},
	{StatusRejected, "Rejected", "Not funded", false, nil},
	{StatusWaitlisted, "Waitlisted", "On the waiting list", true,
		[]Status{StatusOffered, StatusWithdrawn}},
	{StatusOffered, "Offered", "Offer made", true,
		[]Status{StatusAccepted, StatusDeclined, StatusOfferExpired, StatusWithdrawn}},
	{StatusAccepted, "Accepted", "Offer accepted", false,
		[]Status{StatusInDeployment}},
	{StatusDeclined, "Declined", "Offer declined", false, nil},
	{StatusOfferExpired, "Offer expired", "Offer expired", false, nil},
	{StatusInDeployment, "In deployment", "In deployment", false,
		[]Status{StatusCompleted, StatusTerminated}},
	{StatusCompleted, "Completed", "Completed", false, nil},
	{StatusWithdrawn, "Withdrawn", "Withdrawn", false, nil},
	{StatusTerminated, "Terminated", "Award ended", false, nil},
}

func (s Status) info() (statusInfo, bool) {
	i := slices.IndexFunc(lifecycle, func(x statusInfo) bool { return x.status == s })
	if i < 0 {
		return statusInfo{}, false
	}
	return lifecycle[i], true
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	_, ok := s.info()
	return ok
}

// Label names s for staff; "" for an unknown status.
func (s Status) Label() string {
	i, _ := s.info()
	return i.label
}

// ApplicantLabel names s for the applicant (the API's status_label when an
// applicant asks); "" for an unknown status.
func (s Status) ApplicantLabel() string {
	i, _ := s.info()
	return i.applicant
}

// Open reports whether the applicant may still withdraw.
func (s Status) Open() bool {
	i, _ := s.info()
	return i.open
}

// Final reports whether s ends the application: nothing follows it.
func (s Status) Final() bool {
	i, ok := s.info()
	return ok && len(i.next) == 0
}

// CanTransition reports whether an application may move from one status
// straight to another. Staying put is not a transition.
func CanTransition(from, to Status) bool {
	i, _ := from.info()
	return slices.Contains(i.next, to)
}
