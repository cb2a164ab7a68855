package activities

import (
	"context"

	"github.com/fundflow/fundflow/internal/readmodel"
)

// ApplicationRow is an application's row in the read model. Workflows build
// it from their state; it is named here so they need not know where it is
// kept.
type ApplicationRow = readmodel.Application

// ProjectApplication writes an application's read-model row. Rows carry the
// workflow's state version and an older one never overwrites a newer, so a
// retried or replayed projection cannot move a list backwards.
func (a *Activities) ProjectApplication(ctx context.Context, row ApplicationRow) error {
	_, err := a.ReadModel.Put(ctx, row)
	return err
}
