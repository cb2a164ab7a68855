package workflows

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
)

// DirectoryWorkflowID is the business key of the deployment's one directory.
const DirectoryWorkflowID = directory.WorkflowID

// Updates the directory accepts, admin (or the engine itself) only. Each
// takes its request, whose Command says who is acting and under which
// idempotency key, and returns the changed record once its cache entries
// are written, so a change is in force when the caller hears of it.
const (
	UpdateInviteUser    = "invite_user"     // InviteUserRequest → directory.User
	UpdateSetRoles      = "set_roles"       // SetRolesRequest → directory.User
	UpdateSetUserActive = "set_user_active" // SetUserActiveRequest → directory.User
	UpdateSetFundPool   = "set_fund_pool"   // SetFundPoolRequest → directory.Pool
	UpdateSetCertifiers = "set_certifiers"  // SetCertifiersRequest → []directory.Certifier
	UpdateCreateToken   = "create_token"    // CreateTokenRequest → directory.Token
	UpdateRevokeToken   = "revoke_token"    // RevokeTokenRequest → directory.Token
)

// Queries the directory answers.
const (
	// QueryDirectory → directory.State without its audit timeline: what
	// `fundflow reindex` rebuilds the cache from.
	QueryDirectory = directory.QueryState
	// QueryDirectoryLookup takes a directory.Lookup and returns a
	// directory.Answer: what a cache miss falls back to.
	QueryDirectoryLookup = directory.QueryLookup
	// QueryDirectoryAudit takes an AuditQuery and returns an AuditPage.
	QueryDirectoryAudit = "audit"
)

// DirectoryWorkflowInput is the directory's whole state, carried across
// Continue-As-New.
type DirectoryWorkflowInput struct {
	State     directory.State `json:"state"`
	Processed []ProcessedKey  `json:"processed,omitempty"`
	// Pending names the cache entries not yet written ("user:ID",
	// "token:ID", "pool:FUND", "certifiers:ORG"), and ProjectedRev the
	// revision the cache has caught up with.
	Pending      []string `json:"pending,omitempty"`
	ProjectedRev int64    `json:"projected_rev"`
}

// InviteUserRequest adds a person.
type InviteUserRequest struct {
	Command
	directory.Invite
}

// SetRolesRequest replaces a user's roles and organisation.
type SetRolesRequest struct {
	Command
	UserID  string          `json:"user_id"`
	Roles   []fundflow.Role `json:"roles"`
	OrgCode string          `json:"org_code,omitempty"`
	Reason  string          `json:"reason"`
}

// SetUserActiveRequest deactivates or reactivates a user.
type SetUserActiveRequest struct {
	Command
	UserID string `json:"user_id"`
	Active bool   `json:"active"`
	Reason string `json:"reason"`
}

// SetFundPoolRequest replaces a fund's reviewer pool and panel.
type SetFundPoolRequest struct {
	Command
	FundID    string   `json:"fund_id"`
	Reviewers []string `json:"reviewers"`
	Panel     []string `json:"panel"`
	Reason    string   `json:"reason,omitempty"`
}

// SetCertifiersRequest replaces an organisation's certifiers. OrgCode is
// the registry's spelling of a code valid today, which the caller checks;
// each certifier's own OrgCode may be left empty.
type SetCertifiersRequest struct {
	Command
	OrgCode    string                `json:"org_code"`
	Certifiers []directory.Certifier `json:"certifiers"`
	Reason     string                `json:"reason,omitempty"`
}

// CreateTokenRequest registers a service token by the hash of its secret.
type CreateTokenRequest struct {
	Command
	directory.NewToken
}

// RevokeTokenRequest stops a token working.
type RevokeTokenRequest struct {
	Command
	TokenID string `json:"token_id"`
	Reason  string `json:"reason,omitempty"`
}

// AuditQuery pages the audit timeline, oldest first.
type AuditQuery struct {
	AfterSeq int64 `json:"after_seq"`
	Limit    int   `json:"limit"`
}

// AuditPage is one page of the audit timeline.
type AuditPage struct {
	Entries      []directory.Entry `json:"entries"`
	NextAfterSeq int64             `json:"next_after_seq,omitempty"`
}

// EnsureDirectory starts the directory workflow unless it is running.
func EnsureDirectory(ctx context.Context, c client.Client) error {
	if _, err := c.ExecuteWorkflow(ctx, StartDirectoryOptions(), DirectoryWorkflow, DirectoryWorkflowInput{}); err != nil {
		return fmt.Errorf("start the directory: %w", err)
	}
	return nil
}

// ReadDirectory reads the whole directory, less its audit timeline.
func ReadDirectory(ctx context.Context, c client.Client) (directory.State, error) {
	var st directory.State
	v, err := c.QueryWorkflow(ctx, DirectoryWorkflowID, "", QueryDirectory)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return directory.State{}, fmt.Errorf("read the directory: %w", err)
	}
	return st, nil
}
