package workflows

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Visibility queries for ListIDs.
var (
	EveryFund        = fmt.Sprintf("%s = '%s'", SearchEntityKind.GetName(), KindFund)
	EveryApplication = fmt.Sprintf("%s = '%s'", SearchEntityKind.GetName(), KindApplication)
	// RunningFunds leaves out finished funds.
	RunningFunds = EveryFund + " AND ExecutionStatus = 'Running'"
)

// ListIDs lists the business keys (FundWorkflowID or ApplicationWorkflowID
// without its prefix) of the workflows a visibility query matches, each
// once, oldest first. Visibility lists every run, so a workflow that has
// continued as new appears once per run; it is kept once, dated by its
// first run. SQL visibility cannot ORDER BY, so the sort is done here.
func ListIDs(ctx context.Context, c client.Client, query string) ([]string, error) {
	first := map[string]time.Time{}
	req := &workflowservice.ListWorkflowExecutionsRequest{Query: query}
	for {
		resp, err := c.ListWorkflow(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			wid := e.GetExecution().GetWorkflowId()
			_, id, _ := strings.Cut(wid, ":")
			at := e.GetStartTime().AsTime()
			if prev, ok := first[id]; !ok || at.Before(prev) {
				first[id] = at
			}
		}
		if len(resp.GetNextPageToken()) == 0 {
			break
		}
		req.NextPageToken = resp.GetNextPageToken()
	}
	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(first[a].Compare(first[b]), cmp.Compare(a, b)) })
	return ids, nil
}
