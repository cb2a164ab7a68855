package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
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
	if !check {
		st, err := rebuildDirectoryCache(ctx, e.tc, newAuthStore(e.cfg, e.redis, e.tc))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the directory cache: %d users, %d tokens, %d fund pools, %d organisations' certifiers\n",
			len(st.Users), len(st.Tokens), len(st.Pools), len(st.CertifierLists()))
		n, err := rebuildInbox(ctx, e.tc, &notify.Inbox{Redis: e.redis, Prefix: e.cfg.redisPrefix}, st)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the inboxes from %d notifications\n", n)
	}
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
		return reindexReport{}, err
	}
	rows := make([]application.Row, len(ids))
	if err := eachView(ctx, tc, ids, func(ctx context.Context, i int, v workflows.ApplicationView) error {
		if v.Reference == "" && !check {
			var err error
			if v, err = referenced(ctx, tc, v); err != nil {
				return err
			}
		}
		rows[i] = workflows.ApplicationRow(v, start)
		return nil
	}); err != nil {
		return reindexReport{}, err
	}
	r := reindexReport{applications: len(rows), check: check}
	if check {
		r.drift, err = drift(ctx, store, rows)
	} else {
		err = rebuild(ctx, store, rows, start)
	}
	r.took = time.Since(start)
	return r, err
}

// referenced gives an application from before references its reference,
// which its workflow asks its fund for, and answers its view after. An
// application whose workflow has ended keeps its id as its name.
func referenced(ctx context.Context, tc client.Client, v workflows.ApplicationView) (workflows.ApplicationView, error) {
	wid := workflows.ApplicationWorkflowID(v.ID)
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateID: "ensure-reference", UpdateName: workflows.UpdateEnsureReference,
		Args: []any{workflows.EnsureReferenceRequest{}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("reference for %s: %w", v.ID, err)
	}
	resp, err := tc.QueryWorkflow(ctx, wid, "", workflows.QueryApplication, workflows.ViewQuery{Audiences: true})
	if err != nil {
		return v, fmt.Errorf("query %s: %w", v.ID, err)
	}
	var out workflows.ApplicationView
	return out, resp.Get(&out)
}

// rebuild brings Redis up to Temporal without a moment where lists are
// empty or a newer projection is replaced by an older one: every row is
// upserted with the projection's own version check, then rows of
// applications Temporal no longer has are removed (unless written since
// they were read), and each fund's counters are set from its lists. A row
// created after the listing began is not stale, only new: rows younger
// than the listing (less a minute for clock skew) are never removed.
func rebuild(ctx context.Context, store *readmodel.Store, rows []application.Row, listed time.Time) error {
	known := map[string]bool{}
	statuses := map[string]map[string]bool{}
	note := func(a application.Row) {
		if statuses[a.FundID] == nil {
			statuses[a.FundID] = map[string]bool{}
		}
		statuses[a.FundID][a.Status] = true
	}
	for _, row := range rows {
		known[row.ID] = true
		note(row)
		if _, err := store.Restore(ctx, row); err != nil {
			return err
		}
	}
	projected, err := store.IDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range projected {
		if known[id] {
			continue
		}
		got, err := store.Get(ctx, id)
		if errors.Is(err, readmodel.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		note(got)
		if got.CreatedAt.After(listed.Add(-time.Minute)) {
			continue
		}
		if _, err := store.Remove(ctx, got); err != nil {
			return err
		}
	}
	for fund, sts := range statuses {
		if err := store.RepairCounts(ctx, fund, slices.Sorted(maps.Keys(sts))); err != nil {
			return err
		}
	}
	return nil
}

func drift(ctx context.Context, store *readmodel.Store, rows []application.Row) ([]string, error) {
	var out []string
	known := map[string]bool{}
	outcomes := map[string]map[string]string{}
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
		if want.Outcome == nil {
			continue
		}
		if outcomes[want.FundID] == nil {
			if outcomes[want.FundID], err = store.OutcomeVersions(ctx, want.FundID); err != nil {
				return nil, err
			}
		}
		if v := outcomes[want.FundID][want.ID]; v != strconv.FormatInt(want.Version, 10) {
			out = append(out, fmt.Sprintf("%s: outcome projection at version %q, Temporal at %d", want.ID, v, want.Version))
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
