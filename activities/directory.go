package activities

import (
	"context"

	"github.com/fundflow/fundflow/internal/directory"
)

// DirectoryChanges are the directory records whose cache entries are owed,
// each as it stands now.
type DirectoryChanges struct {
	Users  []directory.User  `json:"users,omitempty"`
	Tokens []directory.Token `json:"tokens,omitempty"`
	Pools  []directory.Pool  `json:"pools,omitempty"`
}

// DirectoryCache is where directory lookups are cached; *auth.Store is one.
type DirectoryCache interface {
	Project(ctx context.Context, users []directory.User, tokens []directory.Token, pools []directory.Pool) error
	PoolReviewers(ctx context.Context, fundID string) ([]directory.User, error)
}

// ProjectDirectory writes changed directory records into the cache. Each
// entry carries its revision, so a retry or a late write never replaces a
// newer one.
func (a *Activities) ProjectDirectory(ctx context.Context, ch DirectoryChanges) error {
	return a.Directory.Project(ctx, ch.Users, ch.Tokens, ch.Pools)
}
