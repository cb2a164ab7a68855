package activities

import (
	"context"

	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// CertifiersAudience addresses a notification to the application
// organisation's certifiers on the day it is delivered, as Certifiers
// would name them that day.
const CertifiersAudience = notify.CertifiersAudience

// DirectoryChanges are the directory records whose cache entries are owed,
// each as it stands now.
type DirectoryChanges struct {
	Users      []directory.User          `json:"users,omitempty"`
	Tokens     []directory.Token         `json:"tokens,omitempty"`
	Pools      []directory.Pool          `json:"pools,omitempty"`
	Certifiers []directory.CertifierList `json:"certifiers,omitempty"`
}

// DirectoryCache is where directory lookups are cached; *auth.Store is one.
type DirectoryCache interface {
	Project(ctx context.Context, users []directory.User, tokens []directory.Token, pools []directory.Pool, certifiers []directory.CertifierList) error
	PoolReviewers(ctx context.Context, fundID string) ([]directory.User, error)
	Certifiers(ctx context.Context, orgCode string) ([]directory.Certifier, []directory.User, error)
}

// ProjectDirectory writes changed directory records into the cache. Each
// entry carries its revision, so a retry or a late write never replaces a
// newer one.
func (a *Activities) ProjectDirectory(ctx context.Context, ch DirectoryChanges) error {
	return a.Directory.Project(ctx, ch.Users, ch.Tokens, ch.Pools, ch.Certifiers)
}

// CertifiersInput asks who may certify for an organisation on a day.
type CertifiersInput struct {
	OrgCode string            `json:"org_code"`
	On      organisation.Date `json:"on"`
}

// CertifierInfo is one person who may certify, and in what capacity.
type CertifierInfo struct {
	UserID        string             `json:"user_id"`
	Name          string             `json:"name"`
	Capacity      directory.Capacity `json:"capacity"`
	CapacityLabel string             `json:"capacity_label"`
}

// CertifiersResult lists them in the order the organisation's list names
// them; it is empty when nobody may certify that day.
type CertifiersResult struct {
	Certifiers []CertifierInfo `json:"certifiers"`
}

// Certifiers is who may sign off the organisation's bid on the day: its
// named certifiers whose delegation covers the day and who are still active
// people of the organisation. Like ReviewerPool it reads the directory's
// cache, and like LookupOrg it is an activity so that its answer is
// recorded and a replay sees the list as it was.
func (a *Activities) Certifiers(ctx context.Context, in CertifiersInput) (CertifiersResult, error) {
	cs, users, err := a.Directory.Certifiers(ctx, in.OrgCode)
	if err != nil {
		return CertifiersResult{}, err
	}
	st := directory.State{Users: users, Certifiers: cs}
	out := CertifiersResult{Certifiers: []CertifierInfo{}}
	for _, ap := range st.AppointmentsOn(in.OrgCode, in.On) {
		out.Certifiers = append(out.Certifiers, CertifierInfo{UserID: ap.UserID, Name: ap.User.Name, Capacity: ap.Capacity, CapacityLabel: ap.Capacity.Label()})
	}
	return out, nil
}
