package main

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/workflows"
)

// rebuildInbox writes everyone's inbox from the facts: the recipients each
// application's outbox records, and the read marks the directory keeps.
// Items are keyed by outbox key, so writing one again changes nothing.
func rebuildInbox(ctx context.Context, tc client.Client, inbox *notify.Inbox, st directory.State) (int, error) {
	ids, err := applicationIDs(ctx, tc)
	if err != nil {
		return 0, err
	}
	counts := make([]int, len(ids))
	if err := eachView(ctx, tc, ids, func(ctx context.Context, i int, v workflows.ApplicationView) error {
		for _, n := range v.Notifications {
			if len(n.Recipients) == 0 {
				continue
			}
			item := notify.InboxItem{Key: n.Key, ApplicationID: n.ApplicationID, Reference: n.Reference, Subject: n.Subject, Link: n.Link, At: n.At}
			if err := inbox.Add(ctx, n.Recipients, item); err != nil {
				return err
			}
			counts[i]++
		}
		return nil
	}); err != nil {
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
