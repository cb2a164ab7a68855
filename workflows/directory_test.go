package workflows

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/directory"
)

// projections records what the directory wrote to its cache.
type projections struct {
	mu  sync.Mutex
	got []activities.DirectoryChanges
}

func (p *projections) users() map[string]directory.User {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]directory.User{}
	for _, ch := range p.got {
		for _, u := range ch.Users {
			if u.Rev >= out[u.ID].Rev {
				out[u.ID] = u
			}
		}
	}
	return out
}

func newDirectoryRun(t *testing.T) (*fundRun, *projections) {
	r := newFundRun(t)
	p := &projections{}
	r.env.OnActivity(fundActs.ProjectDirectory, mock.Anything, mock.Anything).Return(func(_ context.Context, ch activities.DirectoryChanges) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.got = append(p.got, ch)
		return nil
	})
	return r, p
}

func (r *fundRun) runDirectory(in DirectoryWorkflowInput) {
	r.then(func() { r.env.CancelWorkflow() })
	r.env.ExecuteWorkflow(DirectoryWorkflow, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
}

func (r *fundRun) directoryState() *directory.State {
	out := &directory.State{}
	r.then(func() {
		v, err := r.env.QueryWorkflow(QueryDirectory)
		require.NoError(r.t, err)
		require.NoError(r.t, v.Get(out))
	})
	return out
}

var (
	reviewerInvite = directory.Invite{Email: "Rhian.Reviewer@nhs.net", Name: "Rhian Reviewer", Roles: []fundflow.Role{fundflow.RoleReviewer}}
	leadInvite     = directory.Invite{Email: "lee.lead@nhs.net", Name: "Lee Lead", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}
	hash1          = strings.Repeat("a", 64)
)

func TestDirectoryUpdatesAndValidators(t *testing.T) {
	r, p := newDirectoryRun(t)
	rid := directory.UserID(reviewerInvite.Email)
	lid := directory.UserID(leadInvite.Email)
	invited := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: reviewerInvite})
	retry := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: reviewerInvite})
	reused := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: leadInvite})
	again := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-2", fundAdmin), Invite: reviewerInvite})
	byChair := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-3", fundChair), Invite: leadInvite})
	badInvite := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-4", fundAdmin), Invite: directory.Invite{
		Email: "not an email", Roles: []fundflow.Role{fundflow.RoleApplicant, fundflow.RoleReviewer}}})
	lead := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-5", fundAdmin), Invite: leadInvite})

	pool := r.send(UpdateSetFundPool, SetFundPoolRequest{Command: fundCmd("pool-1", fundAdmin), FundID: "f", Reviewers: []string{rid}})
	badPool := r.send(UpdateSetFundPool, SetFundPoolRequest{Command: fundCmd("pool-2", fundAdmin), FundID: "f", Reviewers: []string{rid, lid, "usr_nobody"}})
	roles := r.send(UpdateSetRoles, SetRolesRequest{Command: fundCmd("roles-1", fundAdmin), UserID: rid,
		Roles: []fundflow.Role{fundflow.RoleReviewer, fundflow.RolePanelChair}, Reason: "joins the panel"})
	sameRoles := r.send(UpdateSetRoles, SetRolesRequest{Command: fundCmd("roles-2", fundAdmin), UserID: rid,
		Roles: []fundflow.Role{fundflow.RoleReviewer, fundflow.RolePanelChair}, Reason: "again"})
	tok := r.send(UpdateCreateToken, CreateTokenRequest{Command: fundCmd("tok-1", fundAdmin), NewToken: directory.NewToken{
		Name: "Rhian's scripts", Role: fundflow.RoleReviewer, UserID: rid, Hash: hash1}})
	dupTok := r.send(UpdateCreateToken, CreateTokenRequest{Command: fundCmd("tok-2", fundAdmin), NewToken: directory.NewToken{
		Name: "copy", Role: fundflow.RoleAdmin, Hash: hash1}})
	pastTok := r.send(UpdateCreateToken, CreateTokenRequest{Command: fundCmd("tok-3", fundAdmin), NewToken: directory.NewToken{
		Name: "old", Role: fundflow.RoleAdmin, Hash: strings.Repeat("b", 64), ExpiresAt: fundStart}})
	deact := r.send(UpdateSetUserActive, SetUserActiveRequest{Command: fundCmd("deact-1", fundAdmin), UserID: rid, Reason: "left the trust"})
	deactAgain := r.send(UpdateSetUserActive, SetUserActiveRequest{Command: fundCmd("deact-2", fundAdmin), UserID: rid, Reason: "twice"})
	self := r.send(UpdateSetUserActive, SetUserActiveRequest{Command: fundCmd("deact-3", fundflow.Actor{ID: lid, Role: fundflow.RoleAdmin, Name: "x"}), UserID: lid, Reason: "me"})
	revoke := r.send(UpdateRevokeToken, RevokeTokenRequest{Command: fundCmd("rev-1", fundAdmin), TokenID: directory.TokenID(hash1)})
	revokeAgain := r.send(UpdateRevokeToken, RevokeTokenRequest{Command: fundCmd("rev-2", fundAdmin), TokenID: directory.TokenID(hash1)})
	state := r.directoryState()
	var audit AuditPage
	r.then(func() {
		v, err := r.env.QueryWorkflow(QueryDirectoryAudit, AuditQuery{AfterSeq: 1, Limit: 2})
		require.NoError(t, err)
		require.NoError(t, v.Get(&audit))
	})
	r.runDirectory(DirectoryWorkflowInput{})

	var u, u2 directory.User
	invited.ok(t, &u)
	retry.ok(t, &u2)
	require.Equal(t, u, u2, "a retry gets the first answer")
	require.Equal(t, "rhian.reviewer@nhs.net", u.Email)
	reused.refused(t, fundflow.EIDEMPOTENCYREUSED)
	again.refused(t, fundflow.ECONFLICT)
	byChair.refused(t, fundflow.EFORBIDDEN)
	e := badInvite.refused(t, fundflow.EVALIDATION)
	require.GreaterOrEqual(t, len(e.Fields), 3, "%v", e.Fields)
	lead.ok(t, nil)
	pool.ok(t, nil)
	e = badPool.refused(t, fundflow.EVALIDATION)
	require.Len(t, e.Fields, 2, "the applicant and the unknown id: %v", e.Fields)
	roles.ok(t, nil)
	sameRoles.refused(t, fundflow.ECONFLICT)
	tok.ok(t, nil)
	dupTok.refused(t, fundflow.ECONFLICT)
	pastTok.refused(t, fundflow.EVALIDATION)
	deact.ok(t, &u)
	require.False(t, u.Active)
	deactAgain.refused(t, fundflow.EINVALIDSTATE)
	self.refused(t, fundflow.EINVALIDSTATE)
	revoke.ok(t, nil)
	revokeAgain.refused(t, fundflow.EINVALIDSTATE)

	require.Len(t, state.Users, 2)
	require.Empty(t, state.Audit, "the state query leaves the timeline to its own query")
	require.Empty(t, state.PoolReviewers("f"), "a deactivated reviewer leaves the pool")
	tk, _ := state.Token(directory.TokenID(hash1))
	require.False(t, tk.RevokedAt.IsZero())
	require.Len(t, audit.Entries, 2)
	require.Equal(t, int64(2), audit.Entries[0].Seq)
	require.Equal(t, directory.ActionInvited, audit.Entries[0].Action)
	require.Equal(t, directory.ActionPoolChanged, audit.Entries[1].Action)
	require.Equal(t, int64(3), audit.NextAfterSeq)

	cached := p.users()
	require.False(t, cached[rid].Active, "the cache hears of the deactivation")
	require.Equal(t, []fundflow.Role{fundflow.RoleReviewer, fundflow.RolePanelChair}, cached[rid].Roles)
}

func TestDirectoryAnswersOnlyOnceCached(t *testing.T) {
	r := newFundRun(t)
	var calls int
	r.env.OnActivity(fundActs.ProjectDirectory, mock.Anything, mock.Anything).Return(func(context.Context, activities.DirectoryChanges) error {
		calls++
		if calls < 3 {
			return errors.New("redis is down")
		}
		return nil
	})
	invited := r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: reviewerInvite})
	r.wait(time.Minute)
	r.runDirectory(DirectoryWorkflowInput{})
	invited.ok(t, nil)
	require.Equal(t, 3, calls, "the projection is retried until Redis answers")
}

func TestDirectoryContinueAsNewCarriesState(t *testing.T) {
	r, _ := newDirectoryRun(t)
	rid := directory.UserID(reviewerInvite.Email)
	r.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: reviewerInvite})
	r.send(UpdateSetFundPool, SetFundPoolRequest{Command: fundCmd("pool-1", fundAdmin), FundID: "f", Reviewers: []string{rid}})
	r.then(func() { r.env.SetContinueAsNewSuggested(true) })
	r.env.ExecuteWorkflow(DirectoryWorkflow, DirectoryWorkflowInput{})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(r.env.GetWorkflowError(), &can), "want Continue-As-New, got %v", r.env.GetWorkflowError())
	var next DirectoryWorkflowInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Len(t, next.State.Users, 1)
	require.Len(t, next.State.Audit, 2)
	require.Empty(t, next.Pending, "everything owed was written before continuing")
	require.Len(t, next.Processed, 2)

	// The next run remembers the keys and the pool.
	n, _ := newDirectoryRun(t)
	retry := n.send(UpdateInviteUser, InviteUserRequest{Command: fundCmd("inv-1", fundAdmin), Invite: reviewerInvite})
	state := n.directoryState()
	n.runDirectory(next)
	retry.ok(t, nil)
	require.Len(t, state.PoolReviewers("f"), 1)
	require.Equal(t, rid, state.PoolReviewers("f")[0].ID)
}
