package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/workflows"
)

// TestTemporalUnreachable: whatever shape Temporal's absence takes, the
// caller gets 503 with Retry-After, never 500, and a read that would hang
// is cut off at readTimeout.
func TestTemporalUnreachable(t *testing.T) {
	h := newHarness(t)
	tok := h.token(fundflow.RoleAdmin, "")
	for name, err := range map[string]error{
		"unavailable":          serviceerror.NewUnavailable("connection refused"),
		"deadline exceeded":    serviceerror.NewDeadlineExceeded("context deadline exceeded"),
		"wrapped grpc status":  fmt.Errorf("query: %w", status.Error(codes.Unavailable, "no connection")),
		"our context deadline": fmt.Errorf("query: %w", context.DeadlineExceeded),
	} {
		t.Run(name, func(t *testing.T) {
			h.temporal.On("QueryWorkflow", mock.Anything, workflows.FundWorkflowID("down"), "", workflows.QueryFund).Return(nil, err).Once()
			rec := h.do("GET", "/v1/funds/down", tok, nil)
			wantProblem(t, rec, 503, fundflow.EUNAVAILABLE)
			if rec.Header().Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		})
	}
	t.Run("a query that hangs is bounded", func(t *testing.T) {
		// Like the SDK, the mock gives up only when its context does.
		h.temporal.On("QueryWorkflow", mock.Anything, workflows.FundWorkflowID("hangs"), "", workflows.QueryFund).
			Return(nil, context.DeadlineExceeded).Run(func(args mock.Arguments) {
			<-args.Get(0).(context.Context).Done()
		}).Once()
		began := time.Now()
		rec := h.do("GET", "/v1/funds/hangs", tok, nil)
		wantProblem(t, rec, 503, fundflow.EUNAVAILABLE)
		if took := time.Since(began); took < readTimeout || took > readTimeout+2*time.Second {
			t.Fatalf("answered after %s, want about %s", took, readTimeout)
		}
	})
}
