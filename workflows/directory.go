package workflows

import (
	"errors"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/directory"
)

// projectionWait is how long a directory Update waits for its cache entries
// to be written before answering anyway. The change is recorded either way;
// waiting is what makes a deactivation bite at once rather than at the next
// cache rebuild.
const projectionWait = 10 * time.Second

// directoryProjectOptions write the cache until Redis answers: the directory holds
// the facts, and a cache entry owed is never dropped.
var directoryProjectOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// DirectoryWorkflow is the deployment's directory of people, with ID
// DirectoryWorkflowID: the only writer of users, roles, fund pools,
// organisations' certifiers and service tokens. Its Updates change the state without blocking and then
// wait for the main loop to write the cache entries they touched; the main
// loop also decides when to continue as new.
func DirectoryWorkflow(ctx workflow.Context, in DirectoryWorkflowInput) error {
	d := &directoryWorkflow{DirectoryWorkflowInput: in}
	if err := d.setHandlers(ctx); err != nil {
		return err
	}
	return d.run(ctx)
}

type directoryWorkflow struct {
	DirectoryWorkflowInput
}

func (d *directoryWorkflow) run(ctx workflow.Context) error {
	for {
		if err := workflow.Await(ctx, func() bool {
			return len(d.Pending) > 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}); err != nil {
			return err
		}
		if len(d.Pending) > 0 {
			if err := d.project(ctx); err != nil {
				return err
			}
			continue
		}
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		if len(d.Pending) > 0 {
			continue
		}
		return workflow.NewContinueAsNewError(ctx, DirectoryWorkflow, d.DirectoryWorkflowInput)
	}
}

// project writes the cache entries owed, as they stand now; entries
// changed again meanwhile stay owed.
func (d *directoryWorkflow) project(ctx workflow.Context) error {
	sent, rev := slices.Clone(d.Pending), d.State.Rev
	var ch activities.DirectoryChanges
	for _, p := range sent {
		kind, id, _ := strings.Cut(p, ":")
		switch kind {
		case "user":
			u, _ := d.State.User(id)
			ch.Users = append(ch.Users, u)
		case "token":
			t, _ := d.State.Token(id)
			ch.Tokens = append(ch.Tokens, t)
		case "pool":
			ch.Pools = append(ch.Pools, d.State.Pool(id))
		case "certifiers":
			ch.Certifiers = append(ch.Certifiers, directory.CertifierList{OrgCode: id, Certifiers: d.State.CertifiersOf(id), Rev: rev})
		}
	}
	var a *activities.Activities
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, directoryProjectOptions), a.ProjectDirectory, ch).Get(ctx, nil); err != nil {
		return err
	}
	d.Pending = slices.DeleteFunc(d.Pending, func(p string) bool { return slices.Contains(sent, p) && d.written(p, rev, ch) })
	d.ProjectedRev = rev
	return nil
}

// written reports whether the projection of ch, sent at rev, wrote entry p
// as it stands now. An organisation's certifiers have no revision of their
// own (an emptied list has nowhere to keep one), so theirs is written if
// the list is still the one sent.
func (d *directoryWorkflow) written(p string, rev int64, ch activities.DirectoryChanges) bool {
	kind, id, _ := strings.Cut(p, ":")
	if kind != "certifiers" {
		return d.revOf(p) <= rev
	}
	i := slices.IndexFunc(ch.Certifiers, func(l directory.CertifierList) bool { return l.OrgCode == id })
	return slices.Equal(ch.Certifiers[i].Certifiers, d.State.CertifiersOf(id))
}

func (d *directoryWorkflow) revOf(p string) int64 {
	kind, id, _ := strings.Cut(p, ":")
	switch kind {
	case "user":
		u, _ := d.State.User(id)
		return u.Rev
	case "token":
		t, _ := d.State.Token(id)
		return t.Rev
	}
	return d.State.Pool(id).Rev
}

func (d *directoryWorkflow) owe(entry string) {
	if !slices.Contains(d.Pending, entry) {
		d.Pending = append(d.Pending, entry)
	}
}

func (d *directoryWorkflow) keys() keyMemory {
	return keyMemory{keys: &d.Processed, limit: maxProcessed}
}

func (d *directoryWorkflow) setHandlers(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, QueryDirectory, func() (directory.State, error) {
			s := d.State
			s.Audit = nil
			return s, nil
		}),
		workflow.SetQueryHandler(ctx, QueryDirectoryLookup, func(q directory.Lookup) (directory.Answer, error) {
			return d.State.Answer(q), nil
		}),
		workflow.SetQueryHandler(ctx, QueryDirectoryAudit, func(q AuditQuery) (AuditPage, error) {
			return d.audit(q), nil
		}),
		d.setInboxHandler(ctx),

		setDirectoryUpdate(ctx, d, UpdateInviteUser, func(_ workflow.Context, r InviteUserRequest) error {
			return d.State.CheckInvite(r.Invite)
		}, func(ctx workflow.Context, r InviteUserRequest) (directory.User, error) {
			u, err := d.State.InviteUser(r.Invite, r.Actor, workflow.Now(ctx))
			d.owe("user:" + u.ID)
			return u, err
		}),
		setDirectoryUpdate(ctx, d, UpdateSetRoles, func(_ workflow.Context, r SetRolesRequest) error {
			return d.State.CheckSetRoles(r.UserID, r.Roles, r.OrgCode, r.Reason)
		}, func(ctx workflow.Context, r SetRolesRequest) (directory.User, error) {
			u, err := d.State.SetRoles(r.UserID, r.Roles, r.OrgCode, r.Reason, r.Actor, workflow.Now(ctx))
			d.owe("user:" + u.ID)
			return u, err
		}),
		setDirectoryUpdate(ctx, d, UpdateSetUserActive, func(_ workflow.Context, r SetUserActiveRequest) error {
			return d.State.CheckSetActive(r.UserID, r.Active, r.Reason, r.Actor)
		}, func(ctx workflow.Context, r SetUserActiveRequest) (directory.User, error) {
			u, err := d.State.SetActive(r.UserID, r.Active, r.Reason, r.Actor, workflow.Now(ctx))
			d.owe("user:" + u.ID)
			return u, err
		}),
		setDirectoryUpdate(ctx, d, UpdateSetFundPool, func(_ workflow.Context, r SetFundPoolRequest) error {
			return d.State.CheckSetPool(r.pool(), r.Reason)
		}, func(ctx workflow.Context, r SetFundPoolRequest) (directory.Pool, error) {
			p, err := d.State.SetPool(r.pool(), r.Reason, r.Actor, workflow.Now(ctx))
			d.owe("pool:" + p.FundID)
			return p, err
		}),
		setDirectoryUpdate(ctx, d, UpdateSetCertifiers, func(_ workflow.Context, r SetCertifiersRequest) error {
			return d.State.CheckSetCertifiers(r.OrgCode, r.Certifiers, r.Reason)
		}, func(ctx workflow.Context, r SetCertifiersRequest) ([]directory.Certifier, error) {
			cs, err := d.State.SetCertifiers(r.OrgCode, r.Certifiers, r.Reason, r.Actor, workflow.Now(ctx))
			if err == nil {
				d.owe("certifiers:" + r.OrgCode)
			}
			return cs, err
		}),
		setDirectoryUpdate(ctx, d, UpdateCreateToken, func(ctx workflow.Context, r CreateTokenRequest) error {
			return d.State.CheckCreateToken(r.NewToken, workflow.Now(ctx))
		}, func(ctx workflow.Context, r CreateTokenRequest) (directory.Token, error) {
			t, err := d.State.CreateToken(r.NewToken, r.Actor, workflow.Now(ctx))
			d.owe("token:" + t.ID)
			return t, err
		}),
		setDirectoryUpdate(ctx, d, UpdateRevokeToken, func(_ workflow.Context, r RevokeTokenRequest) error {
			return d.State.CheckRevokeToken(r.TokenID, r.Reason)
		}, func(ctx workflow.Context, r RevokeTokenRequest) (directory.Token, error) {
			t, err := d.State.RevokeToken(r.TokenID, r.Reason, r.Actor, workflow.Now(ctx))
			d.owe("token:" + t.ID)
			return t, err
		}),
	)
}

func (r SetFundPoolRequest) pool() directory.Pool {
	return directory.Pool{FundID: r.FundID, Reviewers: r.Reviewers, Panel: r.Panel}
}

// setDirectoryUpdate registers a directory Update: admin only, idempotent
// by key, answering once the cache reflects the change (or projectionWait
// has passed).
func setDirectoryUpdate[R commandRequest, T any](ctx workflow.Context, d *directoryWorkflow, name string,
	check func(workflow.Context, R) error, apply func(workflow.Context, R) (T, error)) error {
	u := rememberedUpdate(d.keys(), name, func(ctx workflow.Context, r R) error {
		if err := requireDirectoryAdmin(r.command()); err != nil {
			return err
		}
		return check(ctx, r)
	}, apply, nil)
	return setUpdate(ctx, name, update[R, T]{check: u.check, apply: func(ctx workflow.Context, r R) (T, error) {
		res, err := u.apply(ctx, r)
		if err == nil {
			rev := d.State.Rev
			if _, err := workflow.AwaitWithTimeout(ctx, projectionWait, func() bool { return d.ProjectedRev >= rev }); err != nil {
				return res, err
			}
		}
		return res, err
	}})
}

// requireDirectoryAdmin lets admins change the directory, and the engine
// itself, which bootstraps the first admin and dev's seeded people.
func requireDirectoryAdmin(c Command) error {
	if c.Actor.Role != fundflow.RoleAdmin && c.Actor.Role != fundflow.RoleSystem {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only an admin can change the directory")
	}
	return nil
}

func (d *directoryWorkflow) audit(q AuditQuery) AuditPage {
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	all := d.State.Audit
	i, _ := slices.BinarySearchFunc(all, q.AfterSeq+1, func(e directory.Entry, seq int64) int { return int(e.Seq - seq) })
	page := all[i:min(len(all), i+limit)]
	out := AuditPage{Entries: nonNil(slices.Clone(page))}
	if i+limit < len(all) {
		out.NextAfterSeq = page[len(page)-1].Seq
	}
	return out
}
