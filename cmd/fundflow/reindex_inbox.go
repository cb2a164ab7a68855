package main

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/notify"
	"github.com/fundflow/fundflow/workflows"
)

// rebuildInbox writes everyone's inbox from the facts: the recipients each
// application's outbox records, and the read marks the directory keeps.
// Items are keyed by outbox key, so writing one again changes nothing.
func rebuildInbox(ctx context.Context, tc client.Client, inbox *notify.Inbox, st directory.State) (int, error) {
	ids, err := workflows.ListIDs(ctx, tc, workflows.EveryApplication)
	if err != nil {
		return 0, fmt.Errorf("list applications: %w", err)
	}
	counts := make([]int, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, id := range ids {
		g.Go(func() error {
			resp, err := tc.QueryWorkflow(gctx, workflows.ApplicationWorkflowID(id), "", workflows.QueryApplication)
			if err != nil {
				return fmt.Errorf("query %s: %w", id, err)
			}
			var v workflows.ApplicationView
			if err := resp.Get(&v); err != nil {
				return err
			}
			for _, n := range v.Notifications {
				if len(n.Recipients) == 0 {
					continue
				}
				item := notify.InboxItem{Key: n.Key, ApplicationID: n.ApplicationID, Subject: n.Subject, Link: n.Link, At: n.At}
				if err := inbox.Add(gctx, n.Recipients, item); err != nil {
					return err
				}
				counts[i]++
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	for _, m := range st.Read {
		if err := inbox.MarkRead(ctx, m.UserID, m.Keys...); err != nil {
			return 0, err
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	return total, nil
}
