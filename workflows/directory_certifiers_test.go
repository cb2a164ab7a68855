package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

func TestDirectorySetsCertifiers(t *testing.T) {
	r, p := newDirectoryRun(t)
	cfo := directory.Invite{Email: "helen.barker@quy.nhs.uk", Name: "Helen Barker", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}
	cid := directory.UserID(cfo.Email)
	april := organisation.Date{Year: 2026, Month: time.April, Day: 1}
	list := []directory.Certifier{{UserID: cid, Capacity: directory.CapacityChiefFinanceOfficer, From: april}}
	set := func(key string, by fundflow.Actor, cs []directory.Certifier) *fundOutcome {
		return r.send(UpdateSetCertifiers, SetCertifiersRequest{Command: fundCmd(key, by), OrgCode: "QUY", Certifiers: cs, Reason: "new year"})
	}
	r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: cfo})
	r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-2", fundAdmin), Invite: reviewerInvite})
	ok := set("cert-1", fundAdmin, list)
	retry := set("cert-1", fundAdmin, list)
	byChair := set("cert-2", fundChair, list)
	byApplicant := set("cert-3", fundflow.Actor{ID: cid, Name: "Helen Barker", Role: fundflow.RoleApplicant, OrgCode: "QUY"}, list)
	bad := set("cert-4", fundAdmin, []directory.Certifier{
		{UserID: directory.UserID(reviewerInvite.Email), Capacity: directory.CapacitySRO, From: april},
		{UserID: cid, Capacity: directory.CapacityDeputy, From: april},
	})
	state := r.directoryState()
	cleared := set("cert-5", fundAdmin, []directory.Certifier{})
	after := r.directoryState()
	r.runDirectory(DirectoryWorkflowInput{})

	var got, again []directory.Certifier
	ok.ok(t, &got)
	retry.ok(t, &again)
	require.Equal(t, got, again, "a retry gets the first answer")
	require.Equal(t, []directory.Certifier{{OrgCode: "QUY", UserID: cid, Capacity: directory.CapacityChiefFinanceOfficer, From: april}}, got)
	byChair.refused(t, fundflow.EFORBIDDEN)
	byApplicant.refused(t, fundflow.EFORBIDDEN)
	e := bad.refused(t, fundflow.EVALIDATION)
	require.Equal(t, []fundflow.FieldError{
		{Field: "certifiers[0].user_id", Message: "Rhian Reviewer is not an applicant of QUY: certifiers are people of the organisation"},
		{Field: "certifiers[1].to", Message: "a deputy's delegation needs an end date"},
	}, e.Fields)
	require.Equal(t, got, state.CertifiersOf("QUY"), "the refused list changed nothing")
	require.True(t, state.IsCertifier(cid, "QUY", organisation.DateOf(fundStart)))
	cleared.ok(t, nil)
	require.Empty(t, after.Certifiers)

	// The cache heard of the list, then of it emptied.
	p.mu.Lock()
	defer p.mu.Unlock()
	var lists []directory.CertifierList
	for _, ch := range p.got {
		lists = append(lists, ch.Certifiers...)
	}
	require.Len(t, lists, 2)
	require.Equal(t, "QUY", lists[0].OrgCode)
	require.Equal(t, got, lists[0].Certifiers)
	require.Empty(t, lists[1].Certifiers)
	require.Greater(t, lists[1].Rev, lists[0].Rev, "the emptied list replaces the first")
}
