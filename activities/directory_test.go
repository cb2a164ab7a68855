package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// certifierCache answers Certifiers from a directory, as the cache would.
type certifierCache struct {
	pools
	st *directory.State
}

func (c certifierCache) Certifiers(_ context.Context, org string) ([]directory.Certifier, []directory.User, error) {
	a := c.st.Answer(directory.Lookup{CertifiersOf: org})
	return a.Certifiers, a.Users, nil
}

func TestCertifiers(t *testing.T) {
	st := &directory.State{}
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	invite := func(email, name string) string {
		u, err := st.InviteUser(directory.Invite{Email: email, Name: name, OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}, fundflow.System, at)
		require.NoError(t, err)
		return u.ID
	}
	cfo, deputy, sro := invite("helen.barker@quy.nhs.uk", "Helen Barker"), invite("priya.nair@quy.nhs.uk", "Priya Nair"), invite("tom.reid@quy.nhs.uk", "Tom Reid")
	_, err := st.SetCertifiers("QUY", []directory.Certifier{
		{UserID: cfo, Capacity: directory.CapacityChiefFinanceOfficer, From: organisation.Date{Year: 2026, Month: time.April, Day: 1}},
		{UserID: deputy, Capacity: directory.CapacityDeputy, From: organisation.Date{Year: 2026, Month: time.December, Day: 1}, To: organisation.Date{Year: 2026, Month: time.December, Day: 31}},
		{UserID: sro, Capacity: directory.CapacitySRO, From: organisation.Date{Year: 2026, Month: time.April, Day: 1}},
	}, "", fundflow.System, at)
	require.NoError(t, err)
	_, err = st.SetActive(sro, false, "left", fundflow.System, at)
	require.NoError(t, err)
	a := &Activities{Directory: certifierCache{st: st}}

	get, err := run(t, a, a.Certifiers, CertifiersInput{OrgCode: "QUY", On: organisation.Date{Year: 2026, Month: time.December, Day: 24}})
	require.NoError(t, err)
	var got CertifiersResult
	get(&got)
	require.Equal(t, []CertifierInfo{
		{UserID: cfo, Name: "Helen Barker", Capacity: directory.CapacityChiefFinanceOfficer, CapacityLabel: "Chief finance officer"},
		{UserID: deputy, Name: "Priya Nair", Capacity: directory.CapacityDeputy, CapacityLabel: "Deputy"},
	}, got.Certifiers, "the deputy covers Christmas; the SRO has left")

	get, err = run(t, a, a.Certifiers, CertifiersInput{OrgCode: "QUY", On: organisation.Date{Year: 2027, Month: time.January, Day: 4}})
	require.NoError(t, err)
	get(&got)
	require.Len(t, got.Certifiers, 1, "the deputy's delegation has ended")

	get, err = run(t, a, a.Certifiers, CertifiersInput{OrgCode: "7A1", On: organisation.Date{Year: 2027, Month: time.January, Day: 4}})
	require.NoError(t, err)
	get(&got)
	require.NotNil(t, got.Certifiers)
	require.Empty(t, got.Certifiers, "an organisation with nobody named")
}
