package activities

import (
	"context"

	"github.com/fundflow/fundflow/internal/application"
)

// ProjectApplication writes an application's read-model row. Rows carry the
// workflow's state version and an older one never overwrites a newer, so a
// retried or replayed projection cannot move a list backwards.
func (a *Activities) ProjectApplication(ctx context.Context, row application.Row) error {
	_, err := a.ReadModel.Put(ctx, row)
	return err
}
