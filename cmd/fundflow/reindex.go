package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/workflows"
)

func runReindex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var check bool
	e, err := connect(ctx, "reindex", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&check, "check", false, "report drift between Redis and Temporal without writing")
	})
	if err != nil {
		return err
	}
	defer e.close()
	r, err := reindex(ctx, e.tc, readmodel.NewStore(e.redis, e.cfg.redisPrefix), check)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, r)
	if check && len(r.drift) > 0 {
		return fmt.Errorf("the read model has drifted from Temporal in %d places", len(r.drift))
	}
	return nil
}

// reindexReport says what a rebuild or check found.
type reindexReport struct {
	applications int
	drift        []string
	took         time.Duration
	check        bool
}

func (r reindexReport) String() string {
	if !r.check {
		return fmt.Sprintf("rebuilt %d application projections from Temporal in %s", r.applications, r.took.Round(time.Millisecond))
	}
	if len(r.drift) == 0 {
		return fmt.Sprintf("no drift: %d applications checked in %s", r.applications, r.took.Round(time.Millisecond))
	}
	return fmt.Sprintf("%d applications checked, drift:\n  %s", r.applications, strings.Join(r.drift, "\n  "))
}

// reindex rebuilds every application projection from Temporal, the system
// of record: each application workflow, open or closed, is asked for its
// view. With check it only compares, reporting missing, stale and orphaned
// rows.
func reindex(ctx context.Context, tc client.Client, store *readmodel.Store, check bool) (reindexReport, error) {
	start := time.Now()
	ids, err := applicationIDs(ctx, tc)
	if err != nil {
		return reindexReport{}, fmt.Errorf("list applications: %w", err)
	}
	rows := make([]readmodel.Application, len(ids))
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
			rows[i] = workflows.ApplicationRow(v, start)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return reindexReport{}, err
	}
	r := reindexReport{applications: len(rows), check: check}
	if check {
		r.drift, err = drift(ctx, store, rows)
	} else {
		err = rebuild(ctx, store, rows)
	}
	r.took = time.Since(start)
	return r, err
}

func rebuild(ctx context.Context, store *readmodel.Store, rows []readmodel.Application) error {
	if err := store.Flush(ctx); err != nil {
		return err
	}
	for _, row := range rows {
		if _, err := store.Restore(ctx, row); err != nil {
			return err
		}
	}
	return nil
}

func drift(ctx context.Context, store *readmodel.Store, rows []readmodel.Application) ([]string, error) {
	var out []string
	known := map[string]bool{}
	for _, want := range rows {
		known[want.ID] = true
		got, err := store.Get(ctx, want.ID)
		switch {
		case errors.Is(err, readmodel.ErrNotFound):
			out = append(out, want.ID+": missing from Redis")
			continue
		case err != nil:
			return nil, err
		}
		if got.Version != want.Version || got.Status != want.Status {
			out = append(out, fmt.Sprintf("%s: Redis has %s (version %d), Temporal %s (version %d)", want.ID, got.Status, got.Version, want.Status, want.Version))
		}
	}
	projected, err := store.IDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range projected {
		if !known[id] {
			out = append(out, id+": in Redis but not in Temporal")
		}
	}
	slices.Sort(out)
	return out, nil
}

// applicationIDs lists every application workflow from Temporal's
// visibility store.
func applicationIDs(ctx context.Context, tc client.Client) ([]string, error) {
	var ids []string
	req := &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("%s = '%s'", workflows.SearchEntityKind.GetName(), workflows.KindApplication),
	}
	for {
		resp, err := tc.ListWorkflow(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			ids = append(ids, strings.TrimPrefix(e.GetExecution().GetWorkflowId(), workflows.ApplicationWorkflowID("")))
		}
		if len(resp.GetNextPageToken()) == 0 {
			return ids, nil
		}
		req.NextPageToken = resp.GetNextPageToken()
	}
}
